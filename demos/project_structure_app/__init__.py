"""A small FastAPI project laid out like the "Bigger Applications" tutorial."""
