from alembic import context

from portalis.api import run_migrations_env

run_migrations_env(context)
