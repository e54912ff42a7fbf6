"""The room server on PostgreSQL (issue 11): cluster, schema, the seat's and the trainer's
calls, chain verification, official results.

Seats use :mod:`frappe.storage.room.client` (``connect``, ``join_seance``, ``append_lines``,
``hand_in``, ``fetch_attempt``, ``released_attempts``, ``resume_attempt``, ``RoomListener``).
"""
