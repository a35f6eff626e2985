import ServiceLifecycle
import XMPPCore

/// Every `interval`, hands memory freed since to the system
/// (`MemoryTrim`): what hundreds of IRC connections read while a crowd
/// joins (every connection sees every other one's JOIN) is freed once read,
/// but glibc would keep the peak for good.
struct MemoryTrimService: Service {
    var interval: Duration = .seconds(30)

    func run() async throws {
        // A shutdown cancels the sleep; that is the end, not an error (a
        // service that throws makes the whole process exit with a failure).
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                MemoryTrim.returnFreeMemory()
            }
        }
    }
}
