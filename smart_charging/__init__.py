"""Smart charging: charging profiles kept as managed state, and panels whose capacity the load
manager shares among the sessions charging under them (README, "Panels and charging limits")."""
