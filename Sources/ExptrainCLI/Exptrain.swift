import ArgumentParser
import ExptrainMPI
import Foundation

/// The `exptrain` command line as a library entry point.
///
/// The `exptrain` executable is one line, `Exptrain.main()`. A user's own package
/// calls the same entry point from its own executable.
public enum Exptrain {
    /// The version printed by `exptrain --version`.
    public static let version = "0.1.0"

    /// Parses `arguments`, runs the command and exits the process with its exit code.
    ///
    /// A usage error is one line on standard error and exit code 2. Once MPI is
    /// running with more than one rank, a failure calls `MPI_Abort` so that no
    /// other rank is left waiting in a collective.
    public static func main(arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        let command: any ParsableCommand
        do {
            command = try ExptrainCommand.parseAsRoot(arguments)
        } catch {
            exitForParseError(error)
        }
        do {
            guard let runnable = command as? any RunnableCommand else {
                throw ExptrainError.usage("missing command; run 'exptrain --help' for the list")
            }
            try runnable.execute()
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
        let message = ExptrainCommand.message(for: error)
            .split(whereSeparator: \.isNewline).joined(separator: "; ")
        printToStandardError("exptrain: \(message) (see 'exptrain --help')")
        exit(ExptrainError.Kind.usage.rawValue)
    }

    /// Reports `error` in one line and ends the process, or the whole job when
    /// other ranks exist.
    static func fail(with error: any Error) -> Never {
        let exitCode: Int32
        if let error = error as? ExptrainError {
            exitCode = error.exitCode
        } else {
            exitCode = ExptrainError.Kind.failure.rawValue
        }
        let message = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: "; ")
        if let world = try? Communicator.world(), world.size > 1 {
            world.abort(code: exitCode, message: message)
        }
        printToStandardError("exptrain: \(message)")
        exit(exitCode)
    }
}

/// A subcommand that does its work once parsed; errors propagate to `Exptrain.main`.
protocol RunnableCommand: ParsableCommand {
    func execute() throws
}

/// Writes one line to standard error, unbuffered.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
