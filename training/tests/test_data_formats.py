import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data_formats import (  # noqa: E402
    DEFAULT_CHAT_TEMPLATE,
    DatasetError,
    channel_records,
    dpo_example,
    dpo_triple,
    hyperparameter,
    jsonl_files,
    latest_checkpoint,
    load_examples,
    numbered_jsonl,
    pretrain_text,
    read_jsonl,
    sft_example,
    sft_messages,
    token_blocks,
)

try:
    import jinja2
except ImportError:  # the template test needs jinja2, as transformers does
    jinja2 = None


def write_channel(directory, name, lines):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


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


class ChannelRecordsTest(unittest.TestCase):
    def test_numbers_records_by_their_line(self):
        with tempfile.TemporaryDirectory() as directory:
            path = write_channel(directory, "a.jsonl", ['{"text": "x"}', "", '{"text": "y"}'])
            self.assertEqual([number for number, _ in numbered_jsonl(path)], [1, 3])

    def test_converts_every_file_in_name_order(self):
        with tempfile.TemporaryDirectory() as directory:
            write_channel(directory, "b.jsonl", ['{"text": "second"}'])
            write_channel(directory, "a.jsonl", ['{"text": "first"}'])
            self.assertEqual(load_examples(directory, pretrain_text), [{"text": "first"}, {"text": "second"}])

    def test_names_the_file_and_line_of_a_refused_record(self):
        with tempfile.TemporaryDirectory() as directory:
            write_channel(directory, "train.jsonl", ['{"prompt": "p", "completion": "c"}', "", '{"prompt": "p"}'])
            with self.assertRaisesRegex(DatasetError, r"train\.jsonl:3: a record needs a non-empty prompt and completion"):
                list(channel_records(directory, sft_example))

    def test_refuses_a_channel_without_records(self):
        with tempfile.TemporaryDirectory() as directory:
            write_channel(directory, "empty.jsonl", [""])
            with self.assertRaisesRegex(DatasetError, "holds no record"):
                load_examples(directory, pretrain_text)


class TrlExamplesTest(unittest.TestCase):
    def test_sft_prompt_is_every_turn_before_the_last_answer(self):
        messages = [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
            {"role": "user", "content": "Bye"},
            {"role": "assistant", "content": "Goodbye"},
        ]
        self.assertEqual(sft_example({"messages": messages}), {"prompt": messages[:-1], "completion": messages[-1:]})
        self.assertEqual(
            sft_example({"prompt": "Hi", "completion": "Hello"}),
            {"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Hello"}]},
        )

    def test_dpo_example_is_conversational(self):
        self.assertEqual(
            dpo_example({"prompt": "p", "chosen": "good", "rejected": "bad"}),
            {
                "prompt": [{"role": "user", "content": "p"}],
                "chosen": [{"role": "assistant", "content": "good"}],
                "rejected": [{"role": "assistant", "content": "bad"}],
            },
        )
        with self.assertRaisesRegex(DatasetError, "same answer"):
            dpo_example({"prompt": "p", "chosen": "a", "rejected": "a"})

    def test_pretrain_text_needs_text(self):
        self.assertEqual(pretrain_text({"text": "doc", "source": "x"}), {"text": "doc"})
        with self.assertRaisesRegex(DatasetError, "non-empty text"):
            pretrain_text({"text": "  "})
        with self.assertRaisesRegex(DatasetError, "non-empty text"):
            pretrain_text({"content": "doc"})


class TokenBlocksTest(unittest.TestCase):
    def test_joins_sequences_and_drops_the_short_tail(self):
        self.assertEqual(token_blocks([[1, 2, 3], [4, 5], [6, 7, 8, 9]], 4), [[1, 2, 3, 4], [5, 6, 7, 8]])

    def test_gives_nothing_below_one_block(self):
        self.assertEqual(token_blocks([[1, 2]], 4), [])
        self.assertEqual(token_blocks([], 4), [])

    def test_rejects_an_empty_block(self):
        with self.assertRaisesRegex(ValueError, "block_size"):
            token_blocks([[1]], 0)


@unittest.skipUnless(jinja2, "jinja2 is not installed")
class DefaultChatTemplateTest(unittest.TestCase):
    def render(self, messages, add_generation_prompt=False, eos_token="</s>"):
        # transformers renders chat templates with these options.
        environment = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
        return environment.from_string(DEFAULT_CHAT_TEMPLATE).render(
            messages=messages, add_generation_prompt=add_generation_prompt, eos_token=eos_token
        )

    def test_renders_turns_and_ends_answers_with_the_eos_token(self):
        example = sft_example({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]})
        self.assertEqual(
            self.render(example["prompt"] + example["completion"]),
            "### System:\nBe brief.\n\n### User:\nHi\n\n### Assistant:\nHello</s>",
        )

    def test_prompt_with_generation_prompt_prefixes_the_full_conversation(self):
        # TRL takes the completion as what the full conversation adds to the rendered prompt.
        example = sft_example({"prompt": "Hi", "completion": "Hello"})
        prompt = self.render(example["prompt"], add_generation_prompt=True)
        full = self.render(example["prompt"] + example["completion"])
        self.assertEqual(prompt, "### User:\nHi\n\n### Assistant:\n")
        self.assertTrue(full.startswith(prompt))
        self.assertEqual(full[len(prompt):], "Hello</s>")

    def test_separates_turns_without_an_eos_token(self):
        rendered = self.render([{"role": "assistant", "content": "a"}, {"role": "user", "content": "b"}], eos_token=None)
        self.assertEqual(rendered, "### Assistant:\na\n\n### User:\nb\n\n")


if __name__ == "__main__":
    unittest.main()
