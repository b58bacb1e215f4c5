import ArgumentParser
import ExptrainEngine
import ExptrainExperiment
import ExptrainMPI
import ExptrainTensor
import Foundation

/// The `exptrain` command line as a library entry point.
///
/// The `exptrain` executable is `Exptrain.main(experiments: BuiltinExperiments.all)`. A
/// package of your own runs its experiments through the same command line:
///
/// ```swift
/// import ExptrainCLI
/// import ExptrainExperiments
///
/// Exptrain.main(experiments: BuiltinExperiments.all + [MyExperiment.self])
/// ```
public enum Exptrain {
    /// The version printed by `exptrain --version`.
    public static let version = "0.1.0"

    /// Parses `arguments`, runs the command with `experiments` registered, and exits the
    /// process with its exit code.
    ///
    /// It first selects the fastest OpenBLAS kernels the processor runs
    /// (`BLASKernels.selectFastestKernels()`, which may restart the process once with
    /// `OPENBLAS_CORETYPE` set), where OpenBLAS's own detection may fall back to SSE3,
    /// and flushes subnormal floats to zero (`SubnormalFlushing`).
    ///
    /// A usage error is one line on standard error and exit code 2. Once MPI is
    /// running with more than one rank, a failure calls `MPI_Abort` so that no
    /// other rank is left waiting in a collective.
    public static func main(
        experiments: [any ExperimentConfig.Type], arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) -> Never {
        BLASKernels.selectFastestKernels()
        SubnormalFlushing.enable()
        let command: any ParsableCommand
        do {
            command = try ExptrainCommand.parseAsRoot(arguments)
            if !(command is any RunnableCommand) {
                // swift-argument-parser's answer to `--help` and `-h`: a command whose run
                // throws the help text as a clean exit.
                var builtIn = command
                try builtIn.run()
            }
        } catch {
            exitForParseError(error)
        }
        do {
            let registry = try ExperimentRegistry(experiments)
            guard let runnable = command as? any RunnableCommand else {
                throw ExptrainError.usage("missing command; run 'exptrain --help' for the list")
            }
            try runnable.execute(registry: registry)
            exit(0)
        } catch {
            fail(with: error)
        }
    }

    private static func exitForParseError(_ error: any Error) -> Never {
        let code = ExptrainCommand.exitCode(for: error)
        if code == .success {
            // --help and --version arrive here as "errors" that carry their text.
            print(ExptrainCommand.fullMessage(for: error))
            exit(0)
        }
        let message = negativeValueMessage(ExptrainCommand.message(for: error), arguments: CommandLine.arguments)
            .split(whereSeparator: \.isNewline).joined(separator: "; ")
        printToStandardError("exptrain: \(message) (see 'exptrain --help')")
        exit(ExitCode.usage)
    }

    /// ArgumentParser reads `--seed -1` as `--seed` without a value, then `-1` as a flag,
    /// and says the value is missing; this says what was typed and how to pass it.
    static func negativeValueMessage(_ message: String, arguments: [String]) -> String {
        for (option, value) in zip(arguments, arguments.dropFirst())
        where option.hasPrefix("--") && Double(value) != nil && value.hasPrefix("-") && message.hasPrefix("Missing value for '\(option) ") {
            return "\(option) \(value): a value starting with '-' reads as an option; write \(option)=\(value)"
        }
        return message
    }

    /// The exit code for `error` (SPEC §5): 2 for usage and experiment mistakes, 3 for
    /// checkpoints, 75 for a run stopped by a preemption signal (checkpoint written),
    /// 1 for anything else (a diverged run, a collective that timed out, a failed task).
    static func exitCode(for error: any Error) -> Int32 {
        (error as? any ReportedError)?.exitCode ?? ExitCode.failure
    }

    /// Reports `error` in one line and ends the process, or the whole job when
    /// other ranks exist.
    static func fail(with error: any Error) -> Never {
        let code = exitCode(for: error)
        let message = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: "; ")
        if error is any JobWideError {
            // Every rank stops here together after the same update: a clean exit, no abort.
            if (try? Communicator.world())?.rank ?? 0 == 0 {
                printToStandardError("exptrain: \(message)")
            }
            exit(code)
        }
        if let world = try? Communicator.world(), world.size > 1 {
            if error is SetUpFailure {
                // Every rank stops here together (they agreed on it): each says its line, no abort.
                printToStandardError("exptrain: rank \(world.rank) of \(world.size) on \(world.processorName): \(message)")
                exit(code)
            }
            world.abort(code: code, message: message)
        }
        printToStandardError("exptrain: \(message)")
        exit(code)
    }
}

/// A subcommand that does its work once parsed; errors propagate to `Exptrain.main`.
protocol RunnableCommand: ParsableCommand {
    func execute(registry: ExperimentRegistry) throws
}

/// Writes one line to standard error, unbuffered.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
