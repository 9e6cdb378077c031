"""One module per resource: each defines an APIRouter with its own prefix, tags and dependencies."""
