#!/usr/bin/env python3
"""Checks a Platform consent proof bundle offline (docs/privacy.md, "Checking a consent proof yourself").

    python3 verify_consent_proof.py consent-proof-447700900123.json consent-key.pem

consent-key.pem is the platform's public key (https://<platform>/privacy/consent-key.pem), kept by you beforehand: never
take the key from the bundle. Needs only Python 3's standard library and the openssl command (for the ECDSA signature).
Prints one line per record and ends with VALID (exit 0) or NOT VALID with the reasons (exit 1).
"""
import base64
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_text(record, company_id, phone):
    """The text a leaf hashes (consent-record/1): each field as <UTF-8 byte length>:<value>, concatenated."""
    fields = [
        "consent-record/1", str(record["recordId"]), company_id, phone, record.get("keyword") or "",
        "in" if record.get("optedIn") else "out", record.get("via") or "", record["recordedAt"],
        record.get("messageText") or "", record.get("prevHash") or "",
    ]
    return "".join(f"{len(f.encode('utf-8'))}:{f}" for f in fields)


def root_from_path(leaf: bytes, index: int, size: int, path):
    """RFC 9162 section 2.1.3.2: the root an RFC 6962 audit path leads to, or None."""
    if index < 0 or index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        p = bytes.fromhex(p)
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def signature_ok(key_file, body: str, signature_b64: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        body_file, sig_file = Path(tmp, "body"), Path(tmp, "sig")
        body_file.write_bytes(body.encode("utf-8"))
        sig_file.write_bytes(base64.b64decode(signature_b64))
        run = subprocess.run(["openssl", "dgst", "-sha256", "-verify", key_file, "-signature", str(sig_file), str(body_file)],
                             capture_output=True, text=True)
        return run.returncode == 0


def main(bundle_file, key_file):
    bundle = json.loads(Path(bundle_file).read_text(encoding="utf-8"))
    if bundle.get("format") != "platform-consent-proof/1":
        print("NOT VALID: not a platform-consent-proof/1 bundle")
        return 1
    company, phone, problems = bundle["companyId"], bundle["phone"], []

    # 1. Each checkpoint is signed by the platform's key and signs a chain head of this company.
    heads = {}
    for checkpoint in bundle["checkpoints"]:
        if not signature_ok(key_file, checkpoint["body"], checkpoint["signature"]):
            problems.append(f"checkpoint {checkpoint['id']} is not signed by this key")
            continue
        body = json.loads(checkpoint["body"])
        head = [h for h in body["heads"] if h["companyId"] == company]
        if body["id"] != checkpoint["id"] or len(head) != 1:
            problems.append(f"checkpoint {checkpoint['id']} signs no chain head of this company")
            continue
        heads[checkpoint["id"]] = head[0]

    # 2. Each segment's roots extend the chain, link by link, to the head its checkpoint signed.
    roots = {}
    for segment in bundle["segments"]:
        head = heads.get(segment["checkpointId"])
        if head is None:
            continue
        chain = bytes.fromhex(segment["startChain"])
        for i, root in enumerate(segment["roots"]):
            chain = sha256(b"\x02" + chain + bytes.fromhex(root))
            roots[segment["firstSeq"] + i] = (segment["checkpointId"], bytes.fromhex(root))
        if segment["firstSeq"] + len(segment["roots"]) - 1 != head["seq"] or chain.hex() != head["chain"]:
            problems.append(f"the batches of checkpoint {segment['checkpointId']} do not lead to the head it signed")

    # 3. Each record: its fingerprint, its predecessor, its place in a sealed batch.
    records = bundle["records"]
    for n, record in enumerate(records, start=1):
        leaf = bytes.fromhex(record["leafHash"])
        previous = records[n - 2] if n > 1 else None
        state = "erased (present, unreadable)" if record["erased"] else "proven"
        if not record["erased"]:
            text = leaf_text(record, company, phone)
            if sha256(b"\x00" + base64.b64decode(record["salt"]) + text.encode("utf-8")) != leaf:
                problems.append(f"record {n} does not match its fingerprint")
                state = "FAILED"
        if record.get("prevHash") and record["prevHash"] != (previous or {}).get("leafHash"):
            problems.append(f"record {n} does not follow the record before it (missing or re-ordered)")
            state = "FAILED"
        elif not record.get("prevHash") and previous is not None and not previous["erased"]:
            problems.append(f"record {n} starts a new history although record {n - 1} is not erased")
            state = "FAILED"
        if state != "FAILED":
            if record.get("batchSeq") is None or record.get("checkpointId") is None:
                state = "pending (newer than the last checkpoint)"
            else:
                batch = roots.get(record["batchSeq"])
                root = root_from_path(leaf, record["leafIndex"], record["treeSize"], record["auditPath"])
                if batch is None or batch[0] != record["checkpointId"] or root != batch[1]:
                    problems.append(f"record {n} is not in batch {record['batchSeq']} as sealed")
                    state = "FAILED"
        print(f"{n}. {record['recordedAt']} {state}")

    if problems:
        print("NOT VALID: " + "; ".join(problems))
        return 1
    print(f"VALID: {len(records)} record(s) of {phone} at {bundle['companyName']}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
