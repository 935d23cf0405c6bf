import Foundation

/// Writes each message as an `.eml` file into a folder, for development and demos: nothing leaves the machine.
package struct MailDirectoryTransport: MailTransport {
    package let directory: URL

    package init(directory: URL) {
        self.directory = directory
    }

    package var destination: String {
        "\(self.directory.path)/ (files)"
    }

    /// The file a message goes to: `20261120T101500Z-<message id>.eml`, so a listing sorts by date.
    package func fileURL(for message: MailMessage) -> URL {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: message.date)
        let stamp = String(
            format: "%04d%02d%02dT%02d%02d%02dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_@")
        let id = String(message.messageID.prefix(150).map { allowed.contains($0) ? $0 : "_" })
        return self.directory.appendingPathComponent("\(stamp)-\(id).eml")
    }

    /// Writes the message atomically (a temporary file renamed into place), creating the folder when needed.
    package func send(_ message: MailMessage) async throws {
        let url = self.fileURL(for: message)
        do {
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
            try Data(message.rendered()).write(to: url, options: .atomic)
        } catch {
            throw MailDeliveryError(
                kind: .transient, message: "could not write \(url.path): \(error.localizedDescription)")
        }
    }
}
