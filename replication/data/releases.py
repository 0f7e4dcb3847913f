"""The studies' released datasets, each in the layout its public release has once downloaded and
unpacked (the folder a user gets), read from under --data-dir.

A Release says where the data comes from (as text), which files it needs for each split under
which sub-folder of --data-dir (the first layout listed is the one to use; later ones are accepted
too), the sizes, row counts and checksums known for them, and the loader that reads one split.
`slr replicate --datasets` prints all of it; `missing_files()` names the exact paths absent.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

OUR_SPLITS = ("train", "validation", "test")
VALID = {"train": "train", "validation": "valid", "test": "test"}
DEV = {"train": "train", "validation": "dev", "test": "test"}


@dataclass(frozen=True)
class Layout:
    root: str                                    # under --data-dir
    per_split: tuple[str, ...]                   # file names with {split}, read in this order
    shared: tuple[str, ...] = ()                 # files every split needs (data.jsonl, function.json)
    splits: dict = field(default_factory=lambda: dict(VALID))   # our split -> the release's name

    def files(self, data_dir: Path, split: str) -> list[Path]:
        root = Path(data_dir) / self.root
        return [root / f for f in self.shared] + [root / f.format(split=self.splits[split]) for f in self.per_split]

    def required(self, data_dir: Path) -> list[Path]:
        """train and test are required; a validation split is read where the release ships one."""
        out: list[Path] = []
        for split in ("train", "test"):
            out += [p for p in self.files(data_dir, split) if p not in out]
        return out

    def describe(self) -> str:
        names = list(self.shared) + [f.format(split="{" + ",".join(self.splits[s] for s in OUR_SPLITS) + "}")
                                     for f in self.per_split]
        return f"{self.root}/" + " + ".join(names)


@dataclass(frozen=True)
class Release:
    name: str
    head: str                                    # classification | generation
    title: str                                   # short origin, as TaskData.origin
    source: str                                  # where a user downloads it, as text
    layouts: tuple[Layout, ...]
    read: Callable[[list[Path]], list[dict]]     # one split's files (Layout.files order) -> examples
    rows: dict = field(default_factory=dict)     # our split -> rows the release has (its README)
    known: dict = field(default_factory=dict)    # path under --data-dir -> (bytes, sha256)
    reference: str = ""                          # the code this layout and loader follow

    def layout(self, data_dir: Path) -> Layout:
        """The first layout whose required files are all there, else the preferred one."""
        for layout in self.layouts:
            if all(p.exists() for p in layout.required(data_dir)):
                return layout
        return self.layouts[0]

    def needs(self, data_dir: Path) -> list[Path]:
        return self.layout(data_dir).required(data_dir)

    def build(self, sizes: dict, data_dir) -> dict[str, list[dict]]:
        layout = self.layout(Path(data_dir))
        out = {}
        for split in OUR_SPLITS:
            files = layout.files(Path(data_dir), split)
            if split == "validation" and not all(p.exists() for p in files):
                out[split] = []
                continue
            origin = "+".join(str(p.relative_to(data_dir)) for p in files[len(layout.shared):])
            out[split] = [{**r, "origin": origin} for r in self.read(files)]
        return out

    def report(self, data_dir: str | Path | None, checksums: bool = False) -> dict:
        """Where it comes from, the layout expected, what is known of its files, and what is present."""
        layouts = [{"layout": lay.describe(), "files": [str(p) for p in _all_files(lay, Path("."))]}
                   for lay in self.layouts]
        out = {"name": self.name, "head": self.head, "source": self.source, "reference": self.reference,
               "layouts": layouts, "rows": dict(self.rows),
               "known_files": {p: {"bytes": b, "sha256": h} for p, (b, h) in self.known.items()},
               "present": False, "missing": [], "files": []}
        if data_dir is None:
            out["missing"] = [f"--data-dir holding {self.layouts[0].describe()}"]
            return out
        layout = self.layout(Path(data_dir))
        out["layout_used"] = layout.describe()
        out["missing"] = [str(p) for p in layout.required(Path(data_dir)) if not p.exists()]
        out["present"] = not out["missing"]
        for p in _all_files(layout, Path(data_dir)):
            entry = {"path": str(p), "exists": p.exists()}
            if p.exists():
                entry["bytes"] = p.stat().st_size
                rel = str(p.relative_to(data_dir))
                if rel in self.known:
                    expected_bytes, expected_sha = self.known[rel]
                    entry["size_matches"] = entry["bytes"] == expected_bytes
                    if checksums:
                        entry["sha256"] = _sha256(p)
                        entry["checksum_matches"] = entry["sha256"] == expected_sha
            out["files"].append(entry)
        return out


def _all_files(layout: Layout, data_dir: Path) -> list[Path]:
    out: list[Path] = []
    for split in OUR_SPLITS:
        out += [p for p in layout.files(data_dir, split) if p not in out]
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _loader(name: str, *args):
    def read(files: list[Path]) -> list[dict]:
        from replication.data import loaders

        return getattr(loaders, name)(*files, *args)
    return read


# --------------------------------------------------------------------------------------- the releases
# Commits read: microsoft/CodeXGLUE ac74a62802a0dd159b3258c78a2df8ad36cdf2b9, microsoft/CodeBERT
# c0de43d3aaf38e89290f1efb771f8de845e7a489, ishuoliu/PEFT4CC 0b1dff2, jacknichao/JIT-Fine 584799f.
CXG = "https://github.com/microsoft/CodeXGLUE"
LANGUAGES = ("python", "java", "go", "javascript", "php", "ruby")
CODE_TO_TEXT_ROWS = {"python": (251820, 13914, 14918), "php": (241241, 12982, 14014), "go": (167288, 7325, 8122),
                     "java": (164923, 5183, 10955), "javascript": (58025, 3885, 3291), "ruby": (24927, 1400, 1261)}
CSN_SEARCH_ROWS = {"python": (251820, 13914, 14918), "php": (241241, 12982, 14014), "go": (167288, 7325, 8122),
                   "java": (164923, 5183, 10955), "javascript": (58025, 3885, 3291), "ruby": (24927, 1400, 1261)}
MCMD_LANGUAGES = ("java", "csharp", "cpp", "python", "javascript")
MCMD_ROWS = {"java": (160018, 19825, 20159), "csharp": (149907, 18688, 18702), "cpp": (160948, 20000, 20141),
             "python": (206777, 25912, 25837), "javascript": (197529, 24899, 24773)}   # RACE's README: "3197,529"


def _rows(train, valid, test) -> dict:
    return {"train": train, "validation": valid, "test": test}


TRANS = "Code-Code/code-to-code-trans/data"
REFINE = "Code-Code/code-refinement/data"
KNOWN = {   # bytes and sha256 of the files the CodeXGLUE repository itself ships (at the commit above)
    f"{TRANS}/train.java-cs.txt.java": (1859625, "397c44e7a0ad250849231a3beeb255ea54078e1cb62cf13359893d474025cb90"),
    f"{TRANS}/train.java-cs.txt.cs": (2384756, "80013b5b5c7e973df52adec4944b895eaaee0944f09ab6179084631a15d36b7a"),
    f"{TRANS}/valid.java-cs.txt.java": (95626, "5cf92447fd81e126c7d791527f71d16dbcb91d3aa4aafda5c7d9d5c30d75a204"),
    f"{TRANS}/valid.java-cs.txt.cs": (123304, "513c430d61901a90895b22fb235c532dbdc26b84db9d825e1d04a5856a97aec1"),
    f"{TRANS}/test.java-cs.txt.java": (177375, "8e4c9db2467622c119366a89aa0ca798b5f72c11433e3ac3080df21e0e4e06f6"),
    f"{TRANS}/test.java-cs.txt.cs": (228990, "7a863a53cba15473d44ef2f7c99096370a204d4c1a54cc3d81c59d4a305756af"),
    "Text-Code/text-to-code/dataset/concode/dev.json":
        (1772646, "cd4f91cfaa12a886a1d7acaf92eaf8ab066845c37a9221e56634d345958c922a"),
    "Text-Code/text-to-code/dataset/concode/test.json":
        (1631312, "3323b1d723c2183a0ef4693413d25ef5a6b988b50b37b2f401de6c2c5c55159f"),
    "Code-Code/Defect-detection/dataset/train.txt":
        (122185, "f0a25410594302a9f0e542a393ad82ad479308a8aa471f4d6cf61b91d6d572bf"),
    "Code-Code/Defect-detection/dataset/valid.txt":
        (15295, "9f2fa1e108955f197d4a7fa2aa2c7f5e542457b51e0eb1f6e890172d6f700a6e"),
    "Code-Code/Defect-detection/dataset/test.txt":
        (15318, "b5336b337170ea1edf0570b69edb5a90e3c99bf41cd92909795f5fe32d376d52"),
    f"{REFINE}/small/valid.buggy-fixed.buggy": (815315, "e83a0c524cdce5a4492dfe0c9bc7d642aa5ed267ddbae5ffd1e563fe54cae6b8"),
    f"{REFINE}/small/valid.buggy-fixed.fixed": (743907, "dc9c23594350988dcdaf456a1e8eea1dc86c81d1c0ff9985ff6d63d15196ffd2"),
    f"{REFINE}/small/test.buggy-fixed.buggy": (809941, "d2e675094f471b3bfbb9419eb7cf14dca11f8d41185319d3310cbc3f517df323"),
    f"{REFINE}/small/test.buggy-fixed.fixed": (739739, "e7ec462d00d253ddec3d1cef7a06cfc99db1cfe94039a6607ed14afeef6be04a"),
    f"{REFINE}/medium/valid.buggy-fixed.buggy": (2028309, "8ad01f88be2009599007f40427458d6d2601fe93f2f1d65b0f46b7d414a3add2"),
    f"{REFINE}/medium/valid.buggy-fixed.fixed": (1979872, "7ef5e4b2e95914e0eceb4f2cf6dfad0641625145319b9836db70d3f8745ad2d6"),
    f"{REFINE}/medium/test.buggy-fixed.buggy": (2014594, "21107528c3b25bfdec24d0c4c18a953de31c26f3795a7d7c9e108a60396bcd38"),
    f"{REFINE}/medium/test.buggy-fixed.fixed": (1970531, "4b13298647e9a782bf908d4a26710e97a1846f5513a9bf1aa46ac8223fb84b3d"),
}


def _known(*prefixes: str) -> dict:
    return {p: v for p, v in KNOWN.items() if p.startswith(prefixes)}


def _releases() -> list[Release]:
    out = [
        Release("jit-defects4j", "classification", "JIT-Defects4J as JIT-Fine releases it (PEFT4CC's JIT-DP data)",
                "JIT-Fine's replication package, https://github.com/jacknichao/JIT-Fine: data.zip (unzip it; "
                "PEFT4CC reads the same files from its datasets/jitfine/)",
                (Layout("jitfine", ("changes_{split}.pkl", "features_{split}.pkl")),
                 Layout("data/jitfine", ("changes_{split}.pkl", "features_{split}.pkl"))),
                _loader("jitfine"), reference="ishuoliu/PEFT4CC just-in-time/process_jitfine.py + run.sh; "
                "jacknichao/JIT-Fine JITFine/my_util.py (TextDataset)"),
    ]
    for lang in MCMD_LANGUAGES:
        out.append(Release(
            f"mcmd-{lang}", "generation", f"MCMD ({lang}) in PEFT4CC's contextual_medits layout",
            "MCMD, filtered, as RACE releases it and PEFT4CC reads it: https://zenodo.org/record/7196966/files/"
            "dataset.tar.gz (tar zxvf gives dataset/<language>/contextual_medits/; PEFT4CC keeps it as "
            "datasets/MCMD/<language>/contextual_medits/)",
            (Layout(f"MCMD/{lang}/contextual_medits", ("{split}.jsonl",)),
             Layout(f"dataset/{lang}/contextual_medits", ("{split}.jsonl",))),
            _loader("mcmd"), rows=_rows(*MCMD_ROWS[lang]),
            reference="ishuoliu/PEFT4CC commit-generation/process_data/process_mcmd.py (read_file_examples) + "
            "run.sh; row counts from DeepSoftwareAnalytics/RACE README.md"))
    for lang in LANGUAGES:
        out.append(Release(
            f"codexglue-code-to-text-{lang}", "generation", f"CodeXGLUE code-to-text ({lang})",
            f"{CXG} Code-Text/code-to-text: unzip dataset.zip, download {lang}.zip from "
            "https://zenodo.org/record/7857872, unzip, run dataset/preprocess.py",
            (Layout(f"Code-Text/code-to-text/dataset/{lang}", ("{split}.jsonl",)),
             Layout(f"code-to-text/{lang}", ("{split}.jsonl",))),
            _loader("code_to_text"), rows=_rows(*CODE_TO_TEXT_ROWS[lang]),
            reference="microsoft/CodeXGLUE Code-Text/code-to-text/README.md, code/run.py (read_examples)"))
        out.append(Release(
            f"codesearchnet-{lang}", "classification", f"CodeSearchNet code search ({lang}), GraphCodeBERT's filtered CSN",
            "https://github.com/microsoft/CodeBERT/raw/master/GraphCodeBERT/codesearch/dataset.zip: unzip, "
            "run dataset/run.sh; UniXcoder's README moves the result to dataset/CSN",
            (Layout(f"CSN/{lang}", ("{split}.jsonl",)),
             Layout(f"GraphCodeBERT/codesearch/dataset/{lang}", ("{split}.jsonl",))),
            _loader("code_search"), rows=_rows(*CSN_SEARCH_ROWS[lang]),
            reference="microsoft/CodeBERT GraphCodeBERT/codesearch/run.py, "
            "UniXcoder/downstream-tasks/code-search/run.py (convert_examples_to_features)"))
    out += [
        Release("advtest", "classification", "CodeXGLUE code search AdvTest (Python)",
                f"{CXG} Text-Code/NL-code-search-Adv: unzip dataset.zip, download python.zip from "
                "https://zenodo.org/record/7857872, unzip, run dataset/preprocess.py",
                (Layout("Text-Code/NL-code-search-Adv/dataset", ("{split}.jsonl",)),),
                _loader("code_search"), rows=_rows(251820, 9604, 19210),
                reference="microsoft/CodeXGLUE Text-Code/NL-code-search-Adv/README.md"),
        Release("devign", "classification", "Devign / CodeXGLUE defect detection",
                f"{CXG} Code-Code/Defect-detection: function.json from Google Drive "
                "(gdown https://drive.google.com/uc?id=1x6hoF7G-tSYxg8AFybggypLZgMGDNHfF) into dataset/, beside "
                "the repository's train.txt/valid.txt/test.txt; or the train/valid/test.jsonl its preprocess.py writes",
                (Layout("Code-Code/Defect-detection/dataset", ("{split}.txt",), shared=("function.json",)),
                 Layout("Code-Code/Defect-detection/dataset", ("{split}.jsonl",)),
                 Layout("devign", ("{split}.jsonl",))),
                _loader("devign_split"), rows=_rows(21854, 2732, 2732), known=_known("Code-Code/Defect-detection"),
                reference="microsoft/CodeXGLUE Code-Code/Defect-detection/dataset/preprocess.py"),
        Release("bigclonebench", "classification", "BigCloneBench as CodeXGLUE filters it",
                f"{CXG} Code-Code/Clone-detection-BigCloneBench/dataset: data.jsonl and train.txt/valid.txt/test.txt "
                "(stored with Git LFS: git lfs pull)",
                (Layout("Code-Code/Clone-detection-BigCloneBench/dataset", ("{split}.txt",), shared=("data.jsonl",)),
                 Layout("bigclonebench", ("{split}.txt",), shared=("data.jsonl",))),
                _loader("bigclonebench"), rows=_rows(901028, 415416, 415416),
                reference="microsoft/CodeXGLUE Code-Code/Clone-detection-BigCloneBench/code/run.py (TextDataset)"),
        Release("concode", "generation", "CONCODE (CodeXGLUE text-to-code)",
                f"{CXG} Text-Code/text-to-code/dataset/concode (train.json through Git LFS)",
                (Layout("Text-Code/text-to-code/dataset/concode", ("{split}.json",), splits=dict(DEV)),
                 Layout("concode", ("{split}.json",), splits=dict(DEV))),
                _loader("concode"), rows=_rows(100000, 2000, 2000), known=_known("Text-Code/text-to-code"),
                reference="microsoft/CodeXGLUE Text-Code/text-to-code/README.md, code/dataset.py"),
        Release("code-translation-java-cs", "generation", "CodeXGLUE code translation, Java -> C#",
                f"{CXG} Code-Code/code-to-code-trans/data (in the repository)",
                (Layout(TRANS, ("{split}.java-cs.txt.java", "{split}.java-cs.txt.cs")),),
                _loader("parallel_lines"), rows=_rows(10300, 500, 1000), known=_known(TRANS),
                reference="microsoft/CodeXGLUE Code-Code/code-to-code-trans/README.md, code/run.py (read_examples)"),
        Release("code-translation-cs-java", "generation", "CodeXGLUE code translation, C# -> Java",
                f"{CXG} Code-Code/code-to-code-trans/data (in the repository)",
                (Layout(TRANS, ("{split}.java-cs.txt.cs", "{split}.java-cs.txt.java")),),
                _loader("parallel_lines"), rows=_rows(10300, 500, 1000), known=_known(TRANS),
                reference="microsoft/CodeXGLUE Code-Code/code-to-code-trans/README.md, code/run.py (read_examples)"),
    ]
    for size, rows in (("small", (46680, 5835, 5835)), ("medium", (52364, 6545, 6545))):
        out.append(Release(
            f"code-refinement-{size}", "generation", f"CodeXGLUE code refinement (Bugs2Fix / BFP {size})",
            f"{CXG} Code-Code/code-refinement/data/{size} (train files through Git LFS)",
            (Layout(f"{REFINE}/{size}", ("{split}.buggy-fixed.buggy", "{split}.buggy-fixed.fixed")),),
            _loader("parallel_lines"), rows=_rows(*rows), known=_known(f"{REFINE}/{size}/"),
            reference="microsoft/CodeXGLUE Code-Code/code-refinement/README.md, code/run.py (read_examples)"))
    return out


RELEASES: dict[str, Release] = {r.name: r for r in _releases()}
