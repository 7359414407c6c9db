"""Who may do what: roles and access decisions by Cedar policies (access.cedar).

Tokens live with the desk's tables (`detainer_desk.desk.tokens`).
"""

from detainer_desk.access.check import Actor, Permission, Role, is_allowed, require

__all__ = ["Actor", "Permission", "Role", "is_allowed", "require"]
