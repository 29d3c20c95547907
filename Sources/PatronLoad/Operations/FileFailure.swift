import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failed file operation in words that name the cause an operator can act on. Foundation's own
/// text for a full disk is `NSCocoaErrorDomain Code=640`, and a folder that cannot be created
/// shows up later as a missing file.
enum FileFailure {
    static func reason(errno code: Int32) -> String {
        switch code {
        case EROFS: "the file system is read-only"
        case EACCES, EPERM: "permission denied (the user running patronload may not write there)"
        case ENOSPC: "the disk is full (no space left on device)"
        case EDQUOT: "the disk quota is used up"
        case ENOTDIR: "a part of the path is a file, not a folder"
        case ENOENT: "a folder in the path does not exist"
        case EISDIR: "the path is a folder"
        default: String(cString: strerror(code))
        }
    }

    static func reason(_ error: any Error) -> String {
        let error = error as NSError
        // On Linux the underlying error is a Swift `POSIXError`, which `as? NSError` does not match.
        if let underlying = (error.userInfo[NSUnderlyingErrorKey] as? any Error).map({ $0 as NSError }), underlying.domain == NSPOSIXErrorDomain {
            return reason(errno: Int32(underlying.code))
        }
        if error.domain == NSPOSIXErrorDomain {
            return reason(errno: Int32(error.code))
        }
        if error.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: error.code) {
            case .fileWriteOutOfSpace: return reason(errno: ENOSPC)
            case .fileWriteVolumeReadOnly: return reason(errno: EROFS)
            case .fileWriteNoPermission, .fileReadNoPermission: return reason(errno: EACCES)
            case .fileNoSuchFile, .fileReadNoSuchFile: return reason(errno: ENOENT)
            default: break
            }
        }
        return error.localizedDescription
    }
}
