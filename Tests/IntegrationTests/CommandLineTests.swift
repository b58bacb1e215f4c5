import XCTest

/// The command line's contract: versions, listings, help, and usage errors as one line
/// with exit code 2.
final class CommandLineTests: XCTestCase {
    func testVersion() throws {
        let result = try JobRunner.exptrain(["--version"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }

    func testListExitsZero() throws {
        let result = try JobRunner.exptrain(["--list"])
        XCTAssertEqual(result.status, 0, result.standardError)
    }

    func testUsageErrorsAreOneLineWithExitCodeTwo() throws {
        let cases: [([String], String)] = [
            (["--no-such-flag"], "--no-such-flag"),
            (["train", "--no-such-flag"], "--no-such-flag"),
            ([], "missing experiment tag"),
            (["no-such-experiment"], "unknown experiment tag 'no-such-experiment'"),
            (["check-mpi", "--fail-on-rank", "x"], "'x' is invalid"),
            (["help", "no-such-topic"], "no command or experiment 'no-such-topic'"),
            (["no-such-experiment", "--help"], "unknown experiment tag 'no-such-experiment'"),
            (["cartpole-ppo", "--keep-checkpoints", "0"], "--keep-checkpoints must be at least 1"),
            (["cartpole-ppo", "--progress", "fancy"], "--progress"),
            (["cartpole-ppo", "--env-timeout=-1"], "--env-timeout must be 0 (wait forever) or a positive number of seconds"),
            (["plot", "--out", "curves.svg"], "<run-folder>"),
            (["plot", "/no/such/run", "--out", "curves.svg"], "/no/such/run has no metrics.jsonl"),
        ]
        for (arguments, expected) in cases {
            let result = try JobRunner.exptrain(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.standardError)")
            let lines = result.standardError.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(arguments): \(result.standardError)")
            XCTAssertTrue(result.standardError.contains(expected), "\(arguments): \(result.standardError)")
        }
    }

    // MARK: Help

    func testProgramHelpListsTheCommandsAndCommonOptions() throws {
        for arguments in [["--help"], ["-h"], ["help"]] {
            let result = try JobRunner.exptrain(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.standardError)")
            for expected in [
                "USAGE: exptrain <tag> [--mode train|valid|test]", "--resume", "--config key=value", "--max-steps N",
                "--progress auto|line|plain", "--keep-checkpoints N", "exptrain --list", "exptrain rollout <tag>",
                "exptrain export <tag> --checkpoint FILE --onnx OUT.onnx", "exptrain check-mpi", "exptrain plot RUN_FOLDER... --out FILE.svg", "exptrain help [<tag> | <command>]",
                "SUBCOMMANDS:", "Exit codes:",
            ] {
                XCTAssertTrue(result.standardOutput.contains(expected), "\(arguments) lacks '\(expected)':\n\(result.standardOutput)")
            }
        }
    }

    /// The synopsis in `exptrain --help` is written by hand: each option it names must be
    /// one the train command really has.
    func testProgramHelpNamesOnlyRealTrainOptions() throws {
        let program = try JobRunner.exptrain(["--help"]).standardOutput
        let train = try JobRunner.exptrain(["train", "--help"]).standardOutput
        let usage = try XCTUnwrap(program.range(of: "USAGE:"), program)
        let synopsis = try XCTUnwrap(program[usage.upperBound...].components(separatedBy: "exptrain --list").first)
        let named = synopsis.split(whereSeparator: { " []|.\n".contains($0) }).filter { $0.hasPrefix("--") }
        XCTAssertGreaterThan(named.count, 10, synopsis)
        for option in named {
            XCTAssertTrue(train.contains("  \(option) ") || train.contains("  \(option)\n"), "'exptrain --help' names \(option), which train lacks:\n\(train)")
        }
    }

    func testExperimentHelpListsRunOptionsAndConfigKeysWithDefaults() throws {
        for arguments in [["cartpole-ppo", "--help"], ["cartpole-ppo", "-h"], ["help", "cartpole-ppo"], ["train", "cartpole-ppo", "--help"]] {
            let result = try JobRunner.exptrain(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.standardError)")
            let output = result.standardOutput
            for expected in ["cartpole-ppo: PPO on CartPole-v1", "--max-steps <max-steps>", "--resume", "--progress <progress>", "--keep-checkpoints <keep-checkpoints>", "CONFIG KEYS"] {
                XCTAssertTrue(output.contains(expected), "\(arguments) lacks '\(expected)':\n\(output)")
            }
            let rows = output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            XCTAssertTrue(rows.contains(["numMiniBatch", "4", "an", "integer"]), "\(arguments): no 'numMiniBatch 4 an integer' row:\n\(output)")
            XCTAssertTrue(rows.contains(["learningRate", "0.00025", "a", "number"]), "\(arguments):\n\(output)")
        }
        let grid = try JobRunner.exptrain(["minigrid-doorkey-ppo", "--help"])
        XCTAssertEqual(grid.status, 0, grid.standardError)
        XCTAssertTrue(grid.standardOutput.contains("CONFIG KEYS"), grid.standardOutput)
    }

    func testEverySubcommandHasHelp() throws {
        let forms: [([String], String)] = [
            (["train", "--help"], "USAGE: exptrain [train] <tag> [<options>]"),
            (["rollout", "--help"], "USAGE: exptrain rollout <tag> --seed <seed> --episodes <episodes> --out <out>"),
            (["export", "--help"], "USAGE: exptrain export <tag> --checkpoint <checkpoint> --onnx <onnx>"),
            (["check-mpi", "--help"], "USAGE: exptrain check-mpi"),
            (["plot", "--help"], "USAGE: exptrain plot <run-folder> ... --out <file.svg>"),
            (["help", "--help"], "USAGE: exptrain help"),
            (["help", "train"], "USAGE: exptrain [train] <tag> [<options>]"),
            (["help", "rollout"], "USAGE: exptrain rollout <tag>"),
            (["help", "export"], "USAGE: exptrain export <tag>"),
            (["help", "check-mpi"], "USAGE: exptrain check-mpi"),
            (["help", "plot"], "USAGE: exptrain plot"),
        ]
        for (arguments, expected) in forms {
            let result = try JobRunner.exptrain(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.standardError)")
            XCTAssertTrue(result.standardOutput.contains(expected), "\(arguments) lacks '\(expected)':\n\(result.standardOutput)")
        }
    }
}
