import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GuichetCore
import NIOCore
import Transport

/// Relay ids: base64 of "<Type>-<number>".
public enum DSID {
    public static func dossier(_ number: Int) -> String { encode("Dossier", number) }

    public static func encode(_ type: String, _ number: Int) -> String {
        Data("\(type)-\(number)".utf8).base64EncodedString()
    }
}

/// A file as the API describes it (`File` in the schema).
public struct DSFile: Sendable, Codable, Equatable {
    public var url: String
    public var filename: String
    public var contentType: String
    /// Base64 of the raw MD5 digest.
    public var checksum: String
    public var byteSizeBigInt: String?

    public init(url: String, filename: String, contentType: String, checksum: String, byteSizeBigInt: String?) {
        self.url = url
        self.filename = filename
        self.contentType = contentType
        self.checksum = checksum
        self.byteSizeBigInt = byteSizeBigInt
    }
}

public enum DownloadOutcome: Sendable, Equatable {
    /// Written (atomically) and checked against its checksum.
    case downloaded(path: String, bytes: Int)
    /// Already there with the same checksum.
    case skipped(path: String)
    /// The pre-signed URL has expired: ask the API for a fresh one.
    case urlExpired
}

extension DSClient {
    /// Message attachments are limited to 20 MB by the server.
    public static let messageAttachmentLimit = 20 * 1024 * 1024
    /// Direct uploads take a 32-bit size.
    public static let uploadLimit = Int(Int32.max)

    /// Base64 MD5 of a file, read in chunks.
    public static func checksum(ofFile path: String) throws(GuichetError) -> String {
        var md5 = Insecure.MD5()
        try Files.read(path) { md5.update(bufferPointer: $0) }
        return Data(md5.finalize()).base64EncodedString()
    }

    /// A MIME type from the file name (the server checks it against what
    /// each use allows).
    public static func contentType(forFile path: String) -> String {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        let types = [
            "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
            "gif": "image/gif", "txt": "text/plain", "csv": "text/csv", "json": "application/json",
            "zip": "application/zip", "odt": "application/vnd.oasis.opendocument.text",
            "ods": "application/vnd.oasis.opendocument.spreadsheet",
            "doc": "application/msword", "xls": "application/vnd.ms-excel",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ]
        return types[ext] ?? "application/octet-stream"
    }

    /// Checks a file before any request: present, regular, within `limit`.
    public static func checkUploadable(_ path: String, limit: Int) throws(GuichetError) -> Int {
        let size = try Files.size(of: path)
        if size > limit {
            throw GuichetError(.usage, "\(path) is \(size) bytes, more than the \(limit / 1024 / 1024) MB allowed here")
        }
        return size
    }

    /// Direct upload: createDirectUpload, then PUT the bytes to the signed
    /// URL with exactly the returned headers (and no Authorization).
    /// Returns the signedBlobId to pass as `justificatif` or `attachment`.
    public func upload(file path: String, dossierID: String, limit: Int = DSClient.uploadLimit) async throws(GuichetError) -> String {
        let size = try DSClient.checkUploadable(path, limit: limit)
        let checksum = try DSClient.checksum(ofFile: path)
        let input: JSONValue = .object([("input", .object([
            ("dossierId", .string(dossierID)),
            ("filename", .string(AtomicFileWriter.basename(of: path))),
            ("byteSize", .int(size)),
            ("checksum", .string(checksum)),
            ("contentType", .string(DSClient.contentType(forFile: path))),
        ]))])
        // Only reserves an upload slot: safe to send again after a failure.
        guard let answer = try await execute(.createDirectUpload, variables: input, retrySafe: true) else { return "dry-run-signed-blob-id" }
        let upload = try DSClient.directUpload(from: answer)
        let bytes = try Files.readAll(path)
        let put = HTTPRequest(method: .PUT, url: upload.url, headers: upload.headers, body: bytes, idempotent: true)
        // Retried like a read (a PUT of the same bytes is idempotent).
        let response = try await transport.send(put)
        guard (200..<300).contains(response.status) else {
            throw DSClient.storageError(response, "the storage server refused the upload of \(path)")
        }
        return upload.signedBlobId
    }

    /// The storage host's refusals: a 429 says when to try again (after the
    /// transport's budget was spent on it), a 5xx may pass.
    static func storageError(_ response: HTTPResponse, _ what: String) -> GuichetError {
        let status = response.status
        if status == 429 {
            return GuichetError(.rateLimited, "\(what): the storage server is limiting requests (HTTP 429)\(DSErrors.retryAfterAdvice(response))",
                                status: status, retryable: true)
        }
        return GuichetError(.http, "\(what) (HTTP \(status)): \(DSErrors.preview(response.body))", status: status, retryable: status >= 500)
    }

    struct DirectUpload {
        var url: String
        var headers: [(String, String)]
        var signedBlobId: String
    }

    static func directUpload(from answer: [UInt8]) throws(GuichetError) -> DirectUpload {
        struct Payload: Decodable { var directUpload: Slot? }
        struct Slot: Decodable { var url: String; var signedBlobId: String; var headers: String }
        let payload: Payload = try DSAnswer.decode(answer, operation: "createDirectUpload", path: ["createDirectUpload"])
        guard let slot = payload.directUpload else {
            throw GuichetError(.graphql, "createDirectUpload: the server returned no upload slot")
        }
        // The headers to send come as JSON inside a string.
        guard let headers = try? JSONDecoder().decode([String: String].self, from: Data(slot.headers.utf8)) else {
            throw GuichetError(.network, "createDirectUpload: unexpected answer \(DSErrors.preview(answer))")
        }
        return DirectUpload(url: slot.url, headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, signedBlobId: slot.signedBlobId)
    }

    /// Downloads a file into `folder` under the name the server gave it
    /// (or `name`), made safe by SafeFileName: never a path, never outside
    /// the folder, never through a symbolic link planted there.
    /// `userFolder`: the user named this folder (a link there is theirs).
    public func download(_ file: DSFile, into folder: String, name: String? = nil, userFolder: Bool = false) async throws(GuichetError) -> DownloadOutcome {
        let place = try Files.place(name ?? file.filename, in: folder, userFolder: userFolder)
        switch try await download(file, to: place.write) {
        case .downloaded(_, let bytes): return .downloaded(path: place.shown, bytes: bytes)
        case .skipped: return .skipped(path: place.shown)
        case .urlExpired: return .urlExpired
        }
    }

    /// Downloads a file to `path` atomically, checking its MD5; a file
    /// already there with the same checksum is left alone. The new file
    /// follows the user's umask, like any file they create.
    public func download(_ file: DSFile, to path: String) async throws(GuichetError) -> DownloadOutcome {
        // Only a regular file counts as already there (a symbolic link is
        // replaced by the download, never read or written through).
        if Files.isRegularFileItself(path), (try? DSClient.checksum(ofFile: path)) == file.checksum {
            return .skipped(path: path)
        }
        try Files.makeDirectories(AtomicFileWriter.directory(of: path))
        let writer = try AtomicFileWriter(path: path)
        let digest = Digest()
        // A damaged transfer is fetched once more before it is reported.
        for round in 1...2 {
            if round > 1 {
                try writer.truncate()
                digest.reset()
            }
            // Retried like a read; each new attempt starts the file over.
            let response = try await transport.download(file.url, expectedBytes: file.byteSizeBigInt.flatMap { Int($0) } ?? 0,
                                                         restart: { () throws(GuichetError) in
                try writer.truncate()
                digest.reset()
            }) { chunk in
                try chunk.withUnsafeReadableBytes { bytes in
                    digest.update(bytes)
                    try writer.write(bytes)
                }
            }
            if [401, 403, 404].contains(response.status) {
                writer.abort()
                return .urlExpired
            }
            guard response.status == 200 else {
                writer.abort()
                throw DSClient.storageError(response, "downloading \(file.filename) failed")
            }
            let (checksum, count) = digest.finish()
            guard checksum == file.checksum else {
                if round == 1 { continue }
                writer.abort()
                throw GuichetError(.integrity, "\(file.filename) arrived damaged: its MD5 is \(checksum), the server announced \(file.checksum); nothing was written")
            }
            try writer.commit()
            return .downloaded(path: path, bytes: count)
        }
        writer.abort()
        throw GuichetError(.internal, "downloading \(file.filename): no attempt was made")  // safe: the loop above always returns or throws
    }
}

/// An MD5 being computed while a download streams (the sink closure is
/// called on one task at a time, in order).
private final class Digest: @unchecked Sendable {
    private var md5 = Insecure.MD5()
    private var count = 0

    func update(_ bytes: UnsafeRawBufferPointer) {
        md5.update(bufferPointer: bytes)
        count += bytes.count
    }

    func finish() -> (String, Int) {
        (Data(md5.finalize()).base64EncodedString(), count)
    }

    /// Starts over, for a download that is fetched again.
    func reset() {
        md5 = Insecure.MD5()
        count = 0
    }
}
