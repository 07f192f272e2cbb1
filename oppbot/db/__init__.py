"""Storage: SQLAlchemy models, sessions and repositories. The only package that speaks SQL."""
