"""Alembic environment: always run on a connection PeerDesk opened (the key is never in a URL)."""

from alembic import context

from peerdesk.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "PeerDesk migrations run through peerdesk.models.schema, not the alembic CLI"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite can only alter tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
