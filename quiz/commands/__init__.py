"""The CLI's commands, one module per concern; each module has `register(app)`."""
