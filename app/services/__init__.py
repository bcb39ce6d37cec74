"""Business rules and permissions. Views and the CLI call these; they never touch models or Whoosh."""
