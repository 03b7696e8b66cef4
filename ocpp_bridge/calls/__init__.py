"""CSMS-initiated calls: created by any process, delivered one at a time per station.

- `create`: validate a request and queue it as an OcppCall row.
- `delivery`: send a station's next queued call when none is outstanding.
- `outcomes`: move a call to its final state (answer, error, timeout, failure).
- `waiting`: block a synchronous HTTP request until its call is final.
"""
