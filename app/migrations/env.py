"""Alembic environment: runs on the connection that app.db.upgrade_schema hands over."""
from alembic import context

from app import models  # noqa: F401 - registers the tables on Base.metadata
from app.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
