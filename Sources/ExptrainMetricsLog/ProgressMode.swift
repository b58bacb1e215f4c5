/// How training progress shows on standard output: `--progress auto|line|plain`.
///
/// ```swift
/// ProgressMode.auto.rewritesInPlace(for: OutputDestination(standardOutputIsTerminal: true, launcher: .none))   // true
/// ProgressMode.auto.rewritesInPlace(for: OutputDestination(standardOutputIsTerminal: true,
///                                                          launcher: .found(outputIsTerminal: false)))         // false
/// ```
public enum ProgressMode: String, Sendable, CaseIterable {
    /// The updating line when a person watches a terminal, plain lines otherwise.
    case auto
    /// One line rewritten in place (carriage return, then erase to the end of the line).
    case line
    /// One complete line per log point, no carriage returns or escapes: batch logs.
    case plain

    /// Whether progress written to `destination` rewrites one line in place.
    ///
    /// `auto` rewrites only when standard output is a terminal and either no MPI launcher
    /// started the process, or the launcher's own standard output is a terminal too:
    /// `mpirun` gives each rank a pseudo-terminal even when its own output goes to a file,
    /// so the rank's `isatty` alone would put carriage returns into batch logs. A launcher
    /// that cannot be found or read counts as a file.
    public func rewritesInPlace(for destination: OutputDestination) -> Bool {
        switch self {
        case .line: true
        case .plain: false
        case .auto:
            destination.standardOutputIsTerminal
                && (destination.launcher == .none || destination.launcher == .found(outputIsTerminal: true))
        }
    }
}
