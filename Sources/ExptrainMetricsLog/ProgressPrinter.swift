import Foundation

/// Shows training progress on standard output: on a terminal one line rewritten in
/// place, otherwise (a log file, a batch job's output, `mpirun … > log`) one plain line
/// per log point. `ProgressMode` says which.
///
/// ```swift
/// let printer = ProgressPrinter(mode: .auto)
/// for point in logPoints { printer.show(point) }
/// printer.finish()   // ends the rewritten line before the final summary
/// ```
public final class ProgressPrinter {
    private let rewritesInPlace: Bool
    private let output: (String) -> Void
    private var lineIsOpen = false

    /// A printer for standard output; with `.auto` it rewrites in place only when a person
    /// watches a terminal (`ProgressMode.rewritesInPlace(for:)`).
    public convenience init(mode: ProgressMode = .auto) {
        self.init(rewritesInPlace: mode.rewritesInPlace(for: .current())) { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    /// A printer that hands its text to `output`; with `rewritesInPlace` each line
    /// returns to the start of the line and erases the previous one.
    init(rewritesInPlace: Bool, output: @escaping (String) -> Void) {
        self.rewritesInPlace = rewritesInPlace
        self.output = output
    }

    /// Shows `progress`, replacing the previous line on a terminal.
    public func show(_ progress: ProgressLine) {
        let line = progress.formattedLine()
        if rewritesInPlace {
            // Carriage return to the line's start, then erase to its end, so a shorter
            // line leaves nothing of the longer one before it.
            output("\r" + line + "\u{1B}[K")
            lineIsOpen = true
        } else {
            output(line + "\n")
        }
    }

    /// Ends the line being rewritten, so what is printed next starts on a new line.
    public func finish() {
        guard lineIsOpen else { return }
        output("\n")
        lineIsOpen = false
    }
}
