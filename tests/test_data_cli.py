"""`slr data list` and `slr data export`, through typer's runner."""
import json

from typer.testing import CliRunner

from slr.cli import app

runner = CliRunner()


def slr(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_list_names_every_dataset_with_its_split_sizes():
    from replication import data

    result = slr("data", "list", "--train-size", "30", "--eval-size", "10", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert set(rows) == set(data.DATASETS)
    assert rows["stdlib-search"]["kind"] == "real" and rows["stdlib-clones"]["kind"] == "derived"
    assert (rows["stdlib-search"]["train"], rows["stdlib-search"]["validation"], rows["stdlib-search"]["test"]) \
        == (30, 10, 10)
    assert rows["devign"]["train"] is None and "data-dir" in rows["devign"]["needs"]
    table = slr("data", "list", "--train-size", "30", "--eval-size", "10")
    assert table.exit_code == 0 and "stdlib-code-changes-jit" in table.stdout


def test_export_writes_input_target_source_rows():
    result = slr("data", "export", "stdlib-code-docstring", "--split", "validation", "--size", "5")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 5 and all(set(r) == {"input", "target", "source"} for r in rows)
    assert rows[0]["input"].startswith(("def ", "async def ", "@")) and rows[0]["source"].endswith(".py")
    pairs = [json.loads(line) for line in slr("data", "export", "stdlib-search", "--split", "test",
                                              "--size", "4").stdout.splitlines()]
    assert set(pairs[0]["input"]) == {"text", "text_pair"} and pairs[0]["target"] in (0, 1)


def test_bad_names_and_splits_say_so_and_exit_2():
    for args, needle in ((("export", "stdlib-serch"), "Did you mean 'stdlib-search'"),
                         (("export", "stdlib-search", "--split", "dev"), "not one of train, validation, test"),
                         (("export", "devign"), "needs --data-dir"),
                         (("list", "--format", "xml"), "not one of table, json")):
        result = slr("data", *args)
        assert result.exit_code == 2 and needle in result.stderr and "Traceback" not in result.output, args
