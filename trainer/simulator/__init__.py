"""The POS terminal simulator on the web: free practice, runs, key presses, debrief, replay."""
