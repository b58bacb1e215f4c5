#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `x ** y` of two float64 values as Python and numpy compute it: a call of libm's `pow`.
///
/// Left to itself, the optimiser rewrites `pow(x, 2)` as `x * x`, which differs from glibc
/// 2.36's `pow` in the last bit for about 1 in 1,200 values of `x`: release builds then left
/// Gymnasium's dynamics (and the debug build's numbers) after a few hundred steps. Never
/// inlined and never optimised, this stays a call in every build.
@inline(never) @_optimize(none)
func libmPower(_ x: Double, _ y: Double) -> Double {
    pow(x, y)
}
