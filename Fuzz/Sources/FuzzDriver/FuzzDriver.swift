#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's driver (`LLVMFuzzerRunDriver`, linked by `-sanitize=fuzzer`).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// Runs libFuzzer with this process's command line (`-runs=N`, corpus folders, …) on
/// `harness`, which gets one input per call and returns 0; exits with libFuzzer's status.
///
/// A harness is an executable whose `@main` calls this: SwiftPM names every executable's
/// entry point itself, so libFuzzer's own `main` cannot be the one linked.
public func runLibFuzzer(_ harness: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, harness))
}
