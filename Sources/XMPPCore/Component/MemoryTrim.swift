#if canImport(Glibc)
import Glibc
#endif

/// Hands memory freed after a burst back to the system. glibc's allocator
/// keeps freed memory for reuse: after 250,000 presences have been queued
/// and written (500 people joining one room at once), the process would
/// otherwise keep that peak for good. Called when a large burst has
/// drained, and every half minute (`MemoryTrimService`), never per
/// stanza (it walks the heap). `malloc_trim` is looked
/// up at run time (Swift's Glibc module does not export `malloc.h`); where
/// it does not exist (another C library) this does nothing.
public enum MemoryTrim {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    public static func returnFreeMemory() {
        _ = trim?(0)
    }
}
