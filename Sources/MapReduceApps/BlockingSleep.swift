internal import Glibc

/// Blocking sleeps for application code, which runs on a worker's task thread (never on the
/// Swift concurrency pool), so blocking is intended.
enum BlockingSleep {
    static func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
