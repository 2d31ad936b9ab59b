"""Meta's threatexchange client (PyPI 1.2.17) against a disrupt server's StopNCII-compatible routes.

usage: threatexchange_check.py BASE_URL API_KEY FEEDBACK_PDQ
Fetches every record through StopNCIIAPI.fetch_hashes_iter (and through the SignalExchangeAPI the threatexchange
CLI and HMA use), submits "Blocked" feedback on FEEDBACK_PDQ, and prints one JSON object on stdout:
{"records": [[signalType, hashValue, hashStatus], ...], "exchange": {"pdq": [...], "md5": [...]},
 "checkpoint": int}
"""

import json
import sys

from threatexchange.exchanges.clients.stopncii import api
from threatexchange.exchanges.impl import stop_ncii_api as impl
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.md5 import VideoMD5Signal


def main() -> None:
    base_url, key, feedback_pdq = sys.argv[1:4]
    client = api.StopNCIIAPI(
        subscription_key=key,
        fetch_function_key=key,
        additional_function_keys={api.StopNCIIEndpoint.SubmitFeedback: key},
        base_url_override=base_url.rstrip("/") + "/v1",
    )
    records = []
    checkpoint = None
    for page in client.fetch_hashes_iter():
        checkpoint = page.nextSetTimestamp
        for record in page.hashRecords:
            records.append(
                [record.signalType.value, record.hashValue, record.hashStatus.value]
            )

    exchange = impl.StopNCIISignalExchangeAPI(
        CollaborationConfigBase(name="disrupt", api="stop_ncii", enabled=True), client
    )
    seen = {"pdq": [], "md5": []}
    for delta in exchange.fetch_iter([PdqSignal, VideoMD5Signal], None):
        for (signal_type, value), metadata in delta.updates.items():
            if metadata is None:
                continue
            name = "pdq" if signal_type == PdqSignal.get_name() else "md5"
            seen[name].append(value)

    client.submit_feedback(
        api.StopNCIISignalType.ImagePDQ,
        feedback_pdq,
        api.StopNCIICSPFeedbackValue.Blocked,
        {"threatexchange"},
    )
    print(json.dumps({"records": records, "exchange": seen, "checkpoint": checkpoint}))


if __name__ == "__main__":
    main()
