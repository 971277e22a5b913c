"""The domain: models, migrations and the verbs (rules, permissions, queries) per aggregate.

Nothing here knows which chat surface a request came from.
"""
