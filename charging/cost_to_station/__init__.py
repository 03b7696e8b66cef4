"""Telling the station what a session costs, so it can show the driver, in every version.

The cost is the CSMS's own (charging.lifecycle.session_reprice, from the rate copied at start),
in the rate's currency:

- 2.0.1 and 2.1 (I02, I03): the final cost as `totalCost` in the answer to the Ended event. The
  running cost, at most every SESSION_COST_UPDATE_SECONDS, on a live Updated event: 2.1 in the
  answer's `totalCost`; 2.0.1 as a CostUpdated call, since its schema allows `totalCost` only
  once charging has ended.
- 1.6 stations that say `CustomDisplayCostAndPrice` is true (the OCA "OCPP & California Pricing
  Requirements"): DataTransfer RunningCost on MeterValues, at the same pace, and FinalCost
  after StopTransaction. Stations that never said get asked (GetConfiguration) once a running
  cost is due; stations that say false get nothing.

Calls are queued in the station message's transaction and delivered after it commits.
"""

from charging.cost_to_station.v2 import total_cost_answer
from charging.cost_to_station.v16 import final_cost_tell_v16, running_cost_tell_v16

__all__ = ["final_cost_tell_v16", "running_cost_tell_v16", "total_cost_answer"]
