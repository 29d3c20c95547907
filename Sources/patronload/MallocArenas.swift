#if canImport(Glibc)
import Glibc
#endif

/// glibc gives a thread that allocates an arena of its own, and each arena keeps its own freed
/// pages. The run's scan and deflate threads (PatronLoad's `ChunkPipeline`) raised the peak RSS
/// by 3 to 5 MiB at 200,000 patrons that way; with one arena the peak is what it was before them,
/// at no CPU we could measure: those threads spend their time hashing and deflating, not in malloc.
enum MallocArenas {
    /// Before any thread but the main one has allocated (an arena once made stays). `mallopt` and `M_ARENA_MAX` (-8) are not in Swift's
    /// Glibc module, so the function is looked up in the running process.
    static func limitToOne() {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let arenaMax: Int32 = -8
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(arenaMax, 1)
        #endif
    }
}
