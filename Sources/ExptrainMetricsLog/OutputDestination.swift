import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where this process's standard output ends up, as far as the progress display cares:
/// whether it is a terminal, and whether an MPI launcher's output (a file, a terminal)
/// stands between it and the person.
///
/// On Linux the launcher is found by walking the parent processes in `/proc` to one named
/// like an MPI launcher or daemon (`mpirun`, `mpiexec`, `orterun`, `prterun`, `orted`,
/// `prted`, `hydra_pmi_proxy`), whose `fd/1` tells where its output goes.
public struct OutputDestination: Sendable, Equatable {
    /// What started this process, as far as its output goes.
    public enum Launcher: Sendable, Equatable {
        /// No MPI launcher: the process writes straight to its own standard output.
        case none
        /// An MPI launcher relays the output; whether the launcher's own standard output is a terminal.
        case found(outputIsTerminal: Bool)
        /// An MPI launcher started the process, but it could not be found or its output read.
        case unknown
    }

    public var standardOutputIsTerminal: Bool
    public var launcher: Launcher

    public init(standardOutputIsTerminal: Bool, launcher: Launcher) {
        self.standardOutputIsTerminal = standardOutputIsTerminal
        self.launcher = launcher
    }

    /// This process's standard output.
    public static func current() -> OutputDestination {
        OutputDestination(
            standardOutputIsTerminal: isatty(STDOUT_FILENO) == 1,
            launcher: launcher(of: getpid(), processes: "/proc", startedByMPI: startedByMPILauncher()))
    }

    /// Process names (as `/proc/<pid>/stat` gives them, at most 15 characters) of MPI
    /// launchers and of the daemons that start ranks on other nodes.
    static let launcherNames: Set<String> = ["mpirun", "mpiexec", "mpiexec.hydra", "orterun", "prterun", "orted", "prted", "hydra_pmi_proxy"]

    /// The nearest ancestor of `pid` (itself included) that is an MPI launcher, read from
    /// the `proc` file system at `processes`; without one, `.unknown` if the process was
    /// `startedByMPI` and `.none` otherwise.
    static func launcher(of pid: Int32, processes: String, startedByMPI: Bool) -> Launcher {
        var current = pid
        // Bounded, in case a process table changing under the walk makes a cycle.
        for _ in 0..<256 {
            guard let (name, parent) = processNameAndParent(of: current, processes: processes) else { break }
            if launcherNames.contains(name) {
                guard let output = symbolicLinkTarget("\(processes)/\(current)/fd/1") else { return .unknown }
                return .found(outputIsTerminal: isTerminalDevice(output))
            }
            guard parent > 0, parent != current else { break }
            current = parent
        }
        return startedByMPI ? .unknown : .none
    }

    /// The name and parent pid in `/proc/<pid>/stat`: `pid (name) state ppid …`, where
    /// the name may itself hold spaces and parentheses, so it ends at the last `)`.
    static func processNameAndParent(of pid: Int32, processes: String) -> (name: String, parent: Int32)? {
        guard let text = try? String(contentsOfFile: "\(processes)/\(pid)/stat", encoding: .utf8),
              let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 2, let parent = Int32(fields[1]) else { return nil }
        return (String(text[text.index(after: open)..<close]), parent)
    }

    /// Whether `path` (a file descriptor's target) is a terminal device.
    static func isTerminalDevice(_ path: String) -> Bool {
        path.hasPrefix("/dev/pts/") || path.hasPrefix("/dev/tty") || path == "/dev/console"
    }

    /// Whether an MPI launcher started this process, from the environment it was started
    /// with: `/proc/self/environ` where there is one, since an MPI singleton's `MPI_Init`
    /// sets some of the same variables in the running process.
    static func startedByMPILauncher() -> Bool {
        let names: Set<Substring> = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"]
        guard let initial = FileManager.default.contents(atPath: "/proc/self/environ") else {
            return names.contains { ProcessInfo.processInfo.environment[String($0)] != nil }
        }
        return initial.split(separator: 0).contains { entry in
            names.contains(String(decoding: entry, as: UTF8.self).prefix { $0 != "=" })
        }
    }

    private static func symbolicLinkTarget(_ path: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: path)
    }
}
