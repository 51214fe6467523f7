// kura — a self-hosted encrypted container registry.
// Base64URL: base64url without padding (RFC 4648 §5), as JOSE, Key Vault and ACR use it.

public import Foundation

extension Data {
    /// Base64url without padding.
    public func base64URLEncodedString() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url, with or without padding; the standard alphabet is accepted too (as the
    /// Azure SDKs accept it).
    public init?(base64URLEncoded text: some StringProtocol) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
