"""Emergency drills: solo practice, live store drills with a board, and the drill log."""
