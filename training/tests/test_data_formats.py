import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data_formats import (  # noqa: E402
    DatasetError,
    dpo_triple,
    hyperparameter,
    jsonl_files,
    latest_checkpoint,
    read_jsonl,
    sft_messages,
)


class ReadJsonlTest(unittest.TestCase):
    def test_reads_objects_and_skips_blank_lines(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "train.jsonl")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write('{"prompt": "a", "completion": "b"}\n\n{"prompt": "c", "completion": "d"}\n')
            self.assertEqual([r["prompt"] for r in read_jsonl(path)], ["a", "c"])
            self.assertEqual(jsonl_files(directory), [path])

    def test_names_the_file_and_line_of_a_bad_record(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "train.jsonl")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write('{"prompt": "a"}\n[1, 2]\n')
            with self.assertRaisesRegex(DatasetError, r"train\.jsonl:2: not a JSON object"):
                list(read_jsonl(path))

    def test_refuses_a_channel_without_jsonl(self):
        with tempfile.TemporaryDirectory() as directory:
            with self.assertRaisesRegex(DatasetError, "no .jsonl file"):
                jsonl_files(directory)


class SftMessagesTest(unittest.TestCase):
    def test_turns_prompt_and_completion_into_two_turns(self):
        self.assertEqual(
            sft_messages({"prompt": "Hi", "completion": "Hello"}),
            [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
        )

    def test_keeps_chat_messages_that_end_with_the_assistant(self):
        messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
        self.assertEqual(sft_messages({"messages": messages}), messages)

    def test_rejects_chat_ending_with_the_user_and_empty_fields(self):
        with self.assertRaisesRegex(DatasetError, "last message"):
            sft_messages({"messages": [{"role": "assistant", "content": "a"}, {"role": "user", "content": "b"}]})
        with self.assertRaisesRegex(DatasetError, "non-empty prompt and completion"):
            sft_messages({"prompt": " ", "completion": "b"})


class DpoTripleTest(unittest.TestCase):
    def test_returns_the_triple(self):
        self.assertEqual(dpo_triple({"prompt": "p", "chosen": "a", "rejected": "b"}), {"prompt": "p", "chosen": "a", "rejected": "b"})

    def test_rejects_equal_answers_and_missing_fields(self):
        with self.assertRaisesRegex(DatasetError, "same answer"):
            dpo_triple({"prompt": "p", "chosen": "a", "rejected": "a "})
        with self.assertRaisesRegex(DatasetError, "empty or missing rejected"):
            dpo_triple({"prompt": "p", "chosen": "a"})


class LatestCheckpointTest(unittest.TestCase):
    def test_picks_the_highest_complete_step(self):
        with tempfile.TemporaryDirectory() as directory:
            for step, complete in ((100, True), (250, True), (300, False)):
                path = os.path.join(directory, f"checkpoint-{step}")
                os.makedirs(path)
                if complete:
                    with open(os.path.join(path, "trainer_state.json"), "w", encoding="utf-8") as handle:
                        json.dump({"global_step": step}, handle)
            os.makedirs(os.path.join(directory, "runs"))
            self.assertEqual(latest_checkpoint(directory), os.path.join(directory, "checkpoint-250"))

    def test_returns_none_without_checkpoints(self):
        with tempfile.TemporaryDirectory() as directory:
            self.assertIsNone(latest_checkpoint(directory))
        self.assertIsNone(latest_checkpoint("/does/not/exist"))


class HyperparameterTest(unittest.TestCase):
    def test_reads_sagemaker_hyperparameters_with_defaults(self):
        environment = {"SM_HPS": json.dumps({"epochs": 3, "learning_rate": "2e-4"})}
        self.assertEqual(hyperparameter(environment, "epochs", "1"), "3")
        self.assertEqual(hyperparameter(environment, "lora_r", "16"), "16")
        self.assertEqual(hyperparameter({}, "epochs", "1"), "1")


if __name__ == "__main__":
    unittest.main()
