"""Pure helpers of the training entry scripts: reading the kit's JSONL
dataset formats (the same formats lib/adapt/dataset-format.ts checks before
any job starts), shaping records the way TRL and the Trainer take them, and
finding the checkpoint to resume from after a spot interruption. No ML
library is imported here, so the helpers are tested with `python3 -m
unittest` on any machine.
"""

import json
import os
import re
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple

CHAT_ROLES = ("system", "user", "assistant")
CHECKPOINT_DIR = re.compile(r"^checkpoint-(\d+)$")


class DatasetError(ValueError):
    """A record the kit's formats do not allow, with its file and line."""


def numbered_jsonl(path: str) -> Iterator[Tuple[int, Dict]]:
    """Yields (line number, JSON object) of a JSONL file, skipping blank lines."""
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
            yield number, value


def read_jsonl(path: str) -> Iterator[Dict]:
    """Yields the JSON objects of a JSONL file, skipping blank lines."""
    for _, value in numbered_jsonl(path):
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


def channel_records(directory: str, convert: Callable[[Dict], Dict]) -> Iterator[Dict]:
    """Yields every record of a channel's JSONL files passed through convert;
    a record convert refuses is reported with its file and line."""
    for path in jsonl_files(directory):
        for number, record in numbered_jsonl(path):
            try:
                yield convert(record)
            except DatasetError as error:
                raise DatasetError(f"{path}:{number}: {error}") from error


def load_examples(directory: str, convert: Callable[[Dict], Dict]) -> List[Dict]:
    """All converted records of a channel, refusing a channel without any."""
    examples = list(channel_records(directory, convert))
    if not examples:
        raise DatasetError(f"{directory}: the channel holds no record")
    return examples


def sft_example(record: Dict) -> Dict[str, List[Dict[str, str]]]:
    """A supervised record in TRL's conversational prompt-completion form:
    the turns before the last answer are the prompt, the last assistant turn
    is the completion, so the loss covers that answer only."""
    messages = sft_messages(record)
    return {"prompt": messages[:-1], "completion": messages[-1:]}


def dpo_example(record: Dict) -> Dict[str, List[Dict[str, str]]]:
    """A preference record in TRL's conversational preference form."""
    triple = dpo_triple(record)
    return {
        "prompt": [{"role": "user", "content": triple["prompt"]}],
        "chosen": [{"role": "assistant", "content": triple["chosen"]}],
        "rejected": [{"role": "assistant", "content": triple["rejected"]}],
    }


def pretrain_text(record: Dict) -> Dict[str, str]:
    """A pre-training record: one document of plain text."""
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DatasetError("a pre-training record needs a non-empty text")
    return {"text": text}


def token_blocks(sequences: Iterable[List[int]], block_size: int) -> List[List[int]]:
    """Concatenates token sequences and cuts them into blocks of block_size
    tokens for causal language modelling; the tail shorter than a block is
    dropped."""
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size}")
    tokens = [token for sequence in sequences for token in sequence]
    usable = len(tokens) - len(tokens) % block_size
    return [tokens[start:start + block_size] for start in range(0, usable, block_size)]


# Chat template given to a tokenizer that has none (a base model), so the
# conversational datasets can be rendered and the saved tokenizer carries the
# same format to the serving container. Each assistant turn ends with the
# tokenizer's end-of-sequence token (nothing after it), so generation stops
# there and the loss of an answer ends with that token.
DEFAULT_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}### System:\n{{ message['content'] }}\n\n"
    "{% elif message['role'] == 'user' %}### User:\n{{ message['content'] }}\n\n"
    "{% else %}### Assistant:\n{{ message['content'] }}{% if eos_token %}{{ eos_token }}{% else %}{{ '\\n\\n' }}{% endif %}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}### Assistant:\n{% endif %}"
)
