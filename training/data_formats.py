"""Pure helpers of the training entry scripts: reading the kit's JSONL
dataset formats (the same formats lib/adapt/dataset-format.ts checks before
any job starts) and finding the checkpoint to resume from after a spot
interruption. No ML library is imported here, so the helpers are tested with
`python3 -m unittest` on any machine.
"""

import json
import os
import re
from typing import Dict, Iterator, List, Optional

CHAT_ROLES = ("system", "user", "assistant")
CHECKPOINT_DIR = re.compile(r"^checkpoint-(\d+)$")


class DatasetError(ValueError):
    """A record the kit's formats do not allow, with its file and line."""


def read_jsonl(path: str) -> Iterator[Dict]:
    """Yields the JSON objects of a JSONL file, skipping blank lines."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                raise DatasetError(f"{path}:{number}: not JSON: {error.msg}") from error
            if not isinstance(value, dict):
                raise DatasetError(f"{path}:{number}: not a JSON object")
            yield value


def jsonl_files(directory: str) -> List[str]:
    """The .jsonl files of a SageMaker input channel, sorted."""
    names = sorted(name for name in os.listdir(directory) if name.endswith(".jsonl"))
    if not names:
        raise DatasetError(f"{directory}: no .jsonl file in the channel")
    return [os.path.join(directory, name) for name in names]


def sft_messages(record: Dict) -> List[Dict[str, str]]:
    """A supervised record as chat messages: prompt/completion become a user
    turn and an assistant turn; chat records must end with the assistant."""
    if "messages" in record:
        messages = record["messages"]
        if not isinstance(messages, list) or len(messages) < 2:
            raise DatasetError("messages must be a list of at least two turns")
        for index, message in enumerate(messages):
            if message.get("role") not in CHAT_ROLES:
                raise DatasetError(f"messages[{index}].role must be one of {', '.join(CHAT_ROLES)}")
            if not str(message.get("content", "")).strip():
                raise DatasetError(f"messages[{index}].content is empty")
        if messages[-1]["role"] != "assistant":
            raise DatasetError("the last message must be the assistant's answer")
        return [{"role": m["role"], "content": m["content"]} for m in messages]
    prompt, completion = record.get("prompt"), record.get("completion")
    if not isinstance(prompt, str) or not prompt.strip() or not isinstance(completion, str) or not completion.strip():
        raise DatasetError("a record needs a non-empty prompt and completion, or messages")
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": completion}]


def dpo_triple(record: Dict) -> Dict[str, str]:
    """A preference record as the prompt / chosen / rejected triple DPO trains on."""
    triple = {field: record.get(field) for field in ("prompt", "chosen", "rejected")}
    empty = [field for field, value in triple.items() if not isinstance(value, str) or not value.strip()]
    if empty:
        raise DatasetError(f"empty or missing {', '.join(empty)}")
    if triple["chosen"].strip() == triple["rejected"].strip():
        raise DatasetError("chosen and rejected are the same answer")
    return triple


def latest_checkpoint(directory: str) -> Optional[str]:
    """The newest complete Trainer checkpoint (checkpoint-<step> holding
    trainer_state.json) under the checkpoint directory SageMaker syncs with
    S3, or None: a job restarted after a spot interruption resumes there."""
    if not os.path.isdir(directory):
        return None
    steps = []
    for name in os.listdir(directory):
        match = CHECKPOINT_DIR.match(name)
        path = os.path.join(directory, name)
        if match and os.path.isfile(os.path.join(path, "trainer_state.json")):
            steps.append((int(match.group(1)), path))
    return max(steps)[1] if steps else None


def hyperparameter(environment: Dict[str, str], name: str, default: str) -> str:
    """A hyperparameter from SM_HPS (the JSON SageMaker passes), else the default."""
    values = json.loads(environment.get("SM_HPS", "{}"))
    value = values.get(name, default)
    return str(value)
