"""The only way to the database: tables, migrations, engines and repositories."""
