import Foundation

/// Why a file could not be read, in words fit for an error message.
struct FileReadFailure: Error, CustomStringConvertible {
    let description: String
}

/// Reads a whole UTF-8 text file, explaining a failure in plain words.
func readTextFile(atPath path: String) -> Result<String, FileReadFailure> {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        return .failure(FileReadFailure(description: "no such file"))
    }
    if isDirectory.boolValue {
        return .failure(FileReadFailure(description: "it is a directory"))
    }
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch let error as CocoaError where error.code == .fileReadNoPermission {
        return .failure(FileReadFailure(description: "permission denied"))
    } catch {
        return .failure(FileReadFailure(description: error.localizedDescription))
    }
    guard let text = String(data: data, encoding: .utf8) else {
        return .failure(FileReadFailure(description: "it is not valid UTF-8 text"))
    }
    return .success(text)
}
