"""The entry scripts without the ML libraries: they import, document every
hyperparameter they read with its real default, stop with a clear message
on a missing channel or a bad value before loading anything heavy, and
every library they import is in requirements.txt."""

import ast
import importlib
import json
import os
import re
import sys
import unittest

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINING)

from job_config import HyperparameterError, JobInputError, check_llama_shape, read_hyperparameters  # noqa: E402

SCRIPTS = ("sft_lora", "dpo", "pretrain")
HEAVY = ("torch", "transformers", "peft", "trl", "datasets", "accelerate", "bitsandbytes")


def documented_defaults(docstring):
    """name -> default text from the script's hyperparameter table."""
    table = docstring.split("Hyperparameters (SM_HPS", 1)[1]
    return dict(re.findall(r"^  ([a-z_]+) +(\S+) ", table, flags=re.MULTILINE))


class EntryScriptsTest(unittest.TestCase):
    def test_import_without_ml_libraries(self):
        for name in SCRIPTS + ("lora_training",):
            importlib.import_module(name)
        loaded = [name for name in HEAVY if name in sys.modules]
        self.assertEqual(loaded, [], "an ML library was imported at module level")

    def test_document_every_hyperparameter_with_its_default(self):
        for name in SCRIPTS:
            module = importlib.import_module(name)
            documented = documented_defaults(module.__doc__)
            self.assertEqual(sorted(documented), sorted(spec.name for spec in module.SPECS), name)
            for spec in module.SPECS:
                self.assertEqual(spec.parse(documented[spec.name]), spec.default, f"{name}: {spec.name}")

    def test_defaults_read_without_hyperparameters(self):
        for name in SCRIPTS:
            module = importlib.import_module(name)
            values = read_hyperparameters({}, module.SPECS)
            self.assertEqual(set(values), {spec.name for spec in module.SPECS})
        check_llama_shape(read_hyperparameters({}, importlib.import_module("pretrain").SPECS))

    def test_read_the_contract_names(self):
        common = {"epochs", "learning_rate", "per_device_train_batch_size", "gradient_accumulation_steps", "max_seq_length", "precision", "seed"}
        lora = {"lora_r", "lora_alpha", "lora_dropout", "quantization", "merge_weights"}
        names = {name: {spec.name for spec in importlib.import_module(name).SPECS} for name in SCRIPTS}
        self.assertTrue(common | lora <= names["sft_lora"])
        self.assertTrue(common | lora | {"beta"} <= names["dpo"])
        self.assertTrue(common | {"layers", "hidden_size", "heads", "kv_heads", "intermediate_size", "max_position_embeddings"} <= names["pretrain"])

    def test_stop_on_a_missing_channel_before_loading_a_model(self):
        from lora_training import run_lora_job

        sft = importlib.import_module("sft_lora")
        environment = {"SM_CHANNEL_TRAIN": "/opt/ml/input/data/train", "SM_HPS": "{}"}
        with self.assertRaisesRegex(JobInputError, "the model channel is missing"):
            run_lora_job("sft_lora", sft.SPECS, sft.sft_example, sft.build_trainer, environment)
        with self.assertRaisesRegex(JobInputError, "the tokenizer channel is missing"):
            importlib.import_module("pretrain").main(environment)

    def test_stop_on_a_bad_hyperparameter(self):
        from lora_training import run_lora_job

        dpo = importlib.import_module("dpo")
        environment = {"SM_CHANNEL_TRAIN": "/train", "SM_CHANNEL_MODEL": "/model", "SM_HPS": json.dumps({"beta": 0})}
        with self.assertRaisesRegex(HyperparameterError, "beta"):
            run_lora_job("dpo", dpo.SPECS, dpo.dpo_example, dpo.build_trainer, environment)
        with self.assertRaisesRegex(HyperparameterError, "kv_heads"):
            importlib.import_module("pretrain").main({"SM_CHANNEL_TRAIN": "/train", "SM_HPS": json.dumps({"kv_heads": 5})})
        self.assertEqual([name for name in HEAVY if name in sys.modules], [])


class RequirementsTest(unittest.TestCase):
    def requirements(self):
        with open(os.path.join(TRAINING, "requirements.txt"), encoding="utf-8") as handle:
            lines = [line.split("#", 1)[0].strip() for line in handle]
        return dict(re.match(r"^([A-Za-z0-9_.-]+)(.*)$", line).groups() for line in lines if line)

    def test_pins_the_libraries_of_the_image(self):
        self.assertEqual(
            self.requirements(),
            {"torch": "==2.9.0", "transformers": "==5.3.0", "datasets": "==4.5.0", "peft": "==0.18.1", "trl": "==0.28.0", "accelerate": "", "bitsandbytes": ""},
        )

    def test_lists_every_library_the_scripts_import(self):
        local = {name[:-3] for name in os.listdir(TRAINING) if name.endswith(".py")}
        imported = set()
        for name in os.listdir(TRAINING):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(TRAINING, name), encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imported.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    imported.add(node.module.split(".")[0])
        third_party = imported - local - set(sys.stdlib_module_names)
        self.assertTrue(third_party)
        self.assertEqual(sorted(third_party - set(self.requirements())), [])


if __name__ == "__main__":
    unittest.main()
