import Crypto
import Foundation

/// The key stored secrets are sealed under (DESIGN: secrets are encrypted at rest with AES-GCM under a master key
/// from configuration): 32 random bytes, given as `BILLFOLD_MASTER_KEY` in base64 (`openssl rand -base64 32`).
///
/// Each sealed value is bound to what it belongs to (`context`, such as an endpoint's id), so a ciphertext copied
/// to another row does not open there.
package struct MasterKey: Sendable {
    /// The key's bytes; `SymmetricKey` is not `Sendable`, so one is made for each use.
    private let bytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: self.bytes) }

    /// The key `base64` writes; `nil` unless it is 32 bytes in base64.
    package init?(base64: String) {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)),
            data.count == 32
        else { return nil }
        self.bytes = Array(data)
    }

    /// A new key and its base64, for the demo, which keeps one beside its database.
    package static func generate() -> (key: MasterKey, base64: String) {
        let text = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        return (MasterKey(base64: text)!, text)
    }

    /// `plaintext` sealed: base64 of the nonce, ciphertext and tag.
    package func seal(_ plaintext: [UInt8], context: String) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: self.key, authenticating: Array(context.utf8))
        guard let combined = box.combined else { throw EngineError(.invalidState, "AES-GCM gave no sealed form") }
        return combined.base64EncodedString()
    }

    /// What `sealed` holds; fails when it was sealed under another key or for another context.
    package func open(_ sealed: String, context: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: sealed) else {
            throw EngineError(.invalidState, "a stored secret of \(context) is not base64")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            return Array(try AES.GCM.open(box, using: self.key, authenticating: Array(context.utf8)))
        } catch {
            throw EngineError(
                .invalidState,
                "a stored secret of \(context) does not open with BILLFOLD_MASTER_KEY: the key is not the one it "
                    + "was sealed under")
        }
    }
}
