from alembic import context

from portalis.migrate import run_env

run_env(context)
