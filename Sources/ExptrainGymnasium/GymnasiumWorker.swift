import ExptrainEnvironment
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One Python process holding a rank's Gymnasium environments, and the channel to it:
/// a Unix socket pair that is the worker's standard input and output, carrying the
/// frames of `FrameKind`.
///
/// Every wait for the worker is bounded by `settings.timeout`: a worker that does not
/// answer in time is killed and the wait throws, as does a worker that died or reported
/// an error. The worker never outlives the rank: it exits when the channel closes, it
/// asks the kernel to kill it when the rank dies (`PR_SET_PDEATHSIG`), and the rank
/// kills the workers it still has when it exits.
final class GymnasiumWorker {
    let environment: GymnasiumEnvironment
    let settings: GymnasiumWorkerSettings
    let pid: pid_t
    private var channel: Int32
    /// The header of the frame being read.
    private var header = [UInt8](repeating: 0, count: FrameHeader.size)

    /// Starts the worker; throws (exit code 2) when the interpreter cannot be started.
    init(environment: GymnasiumEnvironment, settings: GymnasiumWorkerSettings) throws(TaskError) {
        self.environment = environment
        self.settings = settings
        let script = try WorkerScript.path()
        var sockets: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sockets) == 0 else {
            throw TaskError("cannot make the channel to the Gymnasium worker: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, sockets[1], 0)
        posix_spawn_file_actions_adddup2(&actions, sockets[1], 1)
        // MPI's sockets and files stay with the rank.
        if let closeFrom = Self.closeFrom {
            _ = closeFrom(&actions, 3)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGUSR1, SIGINT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var variables = ProcessInfo.processInfo.environment
        variables["EXPTRAIN_PARENT_PID"] = String(getpid())
        variables["EXPTRAIN_RANK"] = String(settings.processIndex)
        // One core per rank: the worker's numerical libraries must not start a thread per core.
        for key in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"] where variables[key] == nil {
            variables[key] = "1"
        }
        let arguments = [settings.python, "-u", script]
        let environmentLines = variables.map { "\($0.key)=\($0.value)" }
        var child: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(environmentLines) { envp in
                posix_spawnp(&child, settings.python, &actions, &attributes, argv, envp)
            }
        }
        Glibc.close(sockets[1])
        guard status == 0 else {
            Glibc.close(sockets[0])
            let reason = status == ENOENT ? "not found" : String(cString: strerror(status))
            throw TaskError(
                "cannot start the Gymnasium worker for \(environment.id) on rank \(settings.processIndex): the Python interpreter '\(settings.python)' (EXPTRAIN_PYTHON, default python3) \(reason); install Python 3 with Gymnasium ≥ 1.1, or set EXPTRAIN_PYTHON to an interpreter that has it",
                exitCode: ExitCode.usage)
        }
        pid = child
        channel = sockets[0]
        LiveWorkers.add(child)
    }

    deinit {
        close()
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's
    /// Glibc module does not declare.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// The stage of the first exchange: any failure in it is a set-up mistake (exit code 2).
    static let handshake = "the handshake"

    /// The worker's process, as messages name it.
    var name: String {
        "the Gymnasium worker of rank \(settings.processIndex) (\(environment.id), pid \(pid))"
    }

    /// Sends a frame of `kind` whose payload is `payload`.
    func send(_ kind: FrameKind, payload: [UInt8], during stage: String) throws(TaskError) {
        var frame = FrameHeader(kind, length: payload.count).bytes
        frame += payload
        try send(frame: frame, during: stage)
    }

    /// Sends `frame`, a header and its payload.
    func send(frame: [UInt8], during stage: String) throws(TaskError) {
        try transfer(frame.count, events: Int16(POLLOUT), until: deadline, during: stage) { sent in
            frame.withUnsafeBytes { raw in
                Glibc.send(channel, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
        }
    }

    /// Receives the next frame, which must be of `kind`: its payload is written to
    /// `payload` (resized to the frame's length unless `exactly` is given, which the
    /// length must then match). An `error` frame from the worker is thrown.
    func receive(_ kind: FrameKind, into payload: inout [UInt8], exactly: Int? = nil, during stage: String) throws(TaskError) {
        let deadline = self.deadline
        try readExactly(into: &header, count: FrameHeader.size, until: deadline, during: stage)
        let parsed = header.withUnsafeBytes { raw in Result { () throws(FrameError) in try FrameHeader(reading: raw) } }
        let frame: FrameHeader
        switch parsed {
        case .success(let header): frame = header
        case .failure(let error):
            kill()
            throw TaskError("\(name) broke the protocol during \(stage): \(error.message)")
        }
        if frame.kind == FrameKind.error.rawValue {
            var message = [UInt8](repeating: 0, count: frame.length)
            try readExactly(into: &message, count: frame.length, until: deadline, during: stage)
            close()
            throw reported(message)
        }
        guard frame.kind == kind.rawValue, exactly == nil || frame.length == exactly else {
            kill()
            throw TaskError("\(name) broke the protocol during \(stage): a frame of kind \(frame.kind) and \(frame.length) bytes where \(kind) \(exactly.map { "of \($0) bytes " } ?? "")was expected")
        }
        if payload.count != frame.length {
            payload = [UInt8](repeating: 0, count: frame.length)
        }
        try readExactly(into: &payload, count: frame.length, until: deadline, during: stage)
    }

    /// Asks the worker to exit, then makes sure it did.
    func close() {
        guard channel >= 0 else { return }
        let frame = FrameHeader(.close, length: 0).bytes
        _ = frame.withUnsafeBytes { Glibc.send(channel, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
        Glibc.close(channel)
        channel = -1
        // A worker that closes its environments promptly is reaped; one that does not is killed.
        for _ in 0..<50 {
            if waitpid(pid, nil, WNOHANG) != 0 {
                LiveWorkers.remove(pid)
                return
            }
            usleep(10_000)
        }
        kill()
    }

    /// Kills the worker at once and reaps it.
    func kill() {
        if channel >= 0 {
            Glibc.close(channel)
            channel = -1
        }
        guard LiveWorkers.remove(pid) else { return }
        Glibc.kill(pid, SIGKILL)
        waitpid(pid, nil, 0)
    }

    // MARK: Waiting

    private var deadline: Double? {
        settings.timeout > 0 ? monotonicSeconds() + settings.timeout : nil
    }

    private func readExactly(into buffer: inout [UInt8], count: Int, until deadline: Double?, during stage: String) throws(TaskError) {
        try transfer(count, events: Int16(POLLIN), until: deadline, during: stage) { done in
            buffer.withUnsafeMutableBytes { raw in recv(channel, raw.baseAddress! + done, count - done, Int32(MSG_DONTWAIT)) }
        }
    }

    /// Moves `count` bytes with `call(done)`, a non-blocking send or receive of what is
    /// left, waiting for the channel in between; a closed channel is the worker's death.
    private func transfer(_ count: Int, events: Int16, until deadline: Double?, during stage: String, _ call: (Int) -> Int) throws(TaskError) {
        var done = 0
        while done < count {
            let moved = call(done)
            if moved > 0 {
                done += moved
            } else if moved < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                try wait(for: events, until: deadline, during: stage)
            } else {
                throw died(during: stage)
            }
        }
    }

    private func wait(for events: Int16, until deadline: Double?, during stage: String) throws(TaskError) {
        guard channel >= 0 else { throw TaskError("\(name) was already stopped before \(stage)") }
        while true {
            var milliseconds: Int32 = -1
            if let deadline {
                let left = deadline - monotonicSeconds()
                guard left > 0 else { throw timedOut(during: stage) }
                milliseconds = Int32(min(left * 1000, 60_000).rounded(.up))
            }
            var descriptor = pollfd(fd: channel, events: events, revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw TaskError("\(name): poll failed during \(stage): \(String(cString: strerror(errno)))")
            }
        }
    }

    private func timedOut(during stage: String) -> TaskError {
        kill()
        return TaskError(
            "\(name) did not answer during \(stage) within \(formatted(settings.timeout)) s (--env-timeout); it was killed",
            exitCode: stage == Self.handshake ? ExitCode.usage : ExitCode.failure)
    }

    /// The error for a channel that closed: the worker exited or was killed.
    private func died(during stage: String) -> TaskError {
        Glibc.close(channel)
        channel = -1
        var status: Int32 = 0
        var reaped: pid_t = 0
        for _ in 0..<100 {
            reaped = waitpid(pid, &status, WNOHANG)
            if reaped != 0 { break }
            usleep(10_000)
        }
        let how: String
        if reaped == pid {
            LiveWorkers.remove(pid)
            let signal = status & 0x7f
            how = signal == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(signal)"
        } else {
            kill()
            how = "closed its channel"
        }
        return TaskError("\(name) \(how) during \(stage)", exitCode: stage == Self.handshake ? ExitCode.usage : ExitCode.failure)
    }

    /// The error the worker reported in an `error` frame.
    private func reported(_ payload: [UInt8]) -> TaskError {
        let report = WorkerErrorReport(payload: payload)
        let (line, code) = (report.line, report.exitCode)
        switch report.stage {
        case "import": return TaskError("rank \(settings.processIndex) cannot set up Gymnasium environment \(environment.id): \(line)", exitCode: code)
        case "make": return TaskError("rank \(settings.processIndex) cannot make Gymnasium environment \(environment.id): \(line)", exitCode: code)
        case "wrappers": return TaskError("rank \(settings.processIndex) cannot wrap Gymnasium environment \(environment.id): \(line)", exitCode: code)
        case "spaces": return TaskError("rank \(settings.processIndex): \(line)", exitCode: code)
        default: return TaskError("Gymnasium environment \(environment.id) on rank \(settings.processIndex) raised during \(report.stage): \(line)", exitCode: code)
        }
    }
}

/// The workers this process started and has not reaped, killed when it exits.
enum LiveWorkers {
    private static let pids = Mutex<Set<pid_t>>([])
    private static let installed = Mutex(false)

    static func add(_ pid: pid_t) {
        pids.withLock { _ = $0.insert(pid) }
        installed.withLock { installed in
            guard !installed else { return }
            installed = true
            atexit { LiveWorkers.killAll() }
        }
    }

    /// Whether `pid` was still live (and is no longer counted).
    @discardableResult
    static func remove(_ pid: pid_t) -> Bool {
        pids.withLock { $0.remove(pid) != nil }
    }

    static func killAll() {
        for pid in pids.withLock({ $0 }) {
            kill(pid, SIGKILL)
        }
    }
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func formatted(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
}

/// `body` with `strings` as a NULL-terminated array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
