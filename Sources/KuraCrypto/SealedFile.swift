// kura — a self-hosted encrypted container registry.
// SealedFile: how the data dir keeps private keys (TLS, token signing) encrypted at rest.

import Crypto
public import Foundation

/// Seals a small secret (a PEM private key) under a key derived from the root key, so no private
/// key byte is on disk in plaintext; only the root key file itself is.
///
/// Format: `"KSF1"` ‖ nonce (12) ‖ ciphertext ‖ tag (16); AAD = `"kura sealed file v1"` ‖ 0 ‖ name.
/// The name binds the contents to their purpose: the TLS key cannot be passed off as the
/// token-signing key.
public struct SealedFile: Sendable {
    static let magic = Array("KSF1".utf8)
    private let hierarchy: KeyHierarchy

    public init(hierarchy: KeyHierarchy) { self.hierarchy = hierarchy }

    public func seal(_ plaintext: some DataProtocol, name: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: hierarchy.key(for: .sealedFile(name: name)),
                                   authenticating: Self.aad(name))
        return Self.magic + Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
    }

    /// - Throws: ``CryptoFailure/integrity`` when the file was changed, renamed or sealed under another root key.
    public func open(_ sealed: [UInt8], name: String) throws(CryptoFailure) -> [UInt8] {
        guard sealed.count >= 4 + 12 + 16, sealed.prefix(4).elementsEqual(Self.magic) else {
            throw CryptoFailure.integrity("sealed file '\(name)' is malformed")
        }
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: sealed[4..<16]),
                                            ciphertext: sealed[16..<(sealed.count - 16)],
                                            tag: sealed[(sealed.count - 16)...])
            return Array(try AES.GCM.open(box, using: hierarchy.key(for: .sealedFile(name: name)),
                                          authenticating: Self.aad(name)))
        } catch {
            throw CryptoFailure.integrity("sealed file '\(name)' does not open under this root key")
        }
    }

    private static func aad(_ name: String) -> Data { Data("kura sealed file v1".utf8) + [0] + Data(name.utf8) }
}
