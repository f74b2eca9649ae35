"""Alembic environment: migrations run on the connection the history hands over (see history.migrate)."""

from alembic import context

from optimiser.history import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
