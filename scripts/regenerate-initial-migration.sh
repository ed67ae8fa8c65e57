#!/usr/bin/env bash
# Until the first release the schema is one migration; regenerate it after model changes.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f trainer/migrations/versions/0001_initial_schema.py
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from trainer.db import alembic_config
command.revision(alembic_config(f"sqlite:///{sys.argv[1]}/x.db"), message="initial schema",
                 autogenerate=True, rev_id="0001")
PY
# UTCDateTime only converts values in Python; in the database it is a timezone-aware DateTime.
sed -i 's/trainer\.db\.UTCDateTime(timezone=True)/sa.DateTime(timezone=True)/' \
  trainer/migrations/versions/0001_initial_schema.py
.venv/bin/ruff format -q trainer/migrations/versions/0001_initial_schema.py
.venv/bin/ruff check -q --fix trainer/migrations/versions/0001_initial_schema.py || true
rm -rf "$tmp"
