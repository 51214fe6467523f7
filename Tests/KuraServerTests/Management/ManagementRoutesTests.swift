@testable import KuraManagementHTTP
import Testing

@Suite struct ManagementRoutesTests {
    @Test func requestPathsAreReadWithEachSegmentDecoded() {
        let prefix = "/subscriptions/s/resourceGroups/"
        #expect(ManagementRoutes.decodedPath(prefix + "grp%281%29") == prefix + "grp(1)")
        #expect(ManagementRoutes.decodedPath(prefix + "%E6%97%A5%E6%9C%AC") == prefix + "日本")
        #expect(ManagementRoutes.decodedPath(prefix + "plain-name_1.x") == prefix + "plain-name_1.x")
        #expect(ManagementRoutes.decodedPath(prefix + "a%20b") == prefix + "a b")
    }

    @Test func aSegmentThatDecodesToASlashOrIsNotValidEncodingIsRefused() {
        #expect(ManagementRoutes.decodedPath("/subscriptions/s/resourceGroups/a%2Fproviders") == nil)
        #expect(ManagementRoutes.decodedPath("/subscriptions/s/resourceGroups/a%2fb") == nil)
        #expect(ManagementRoutes.decodedPath("/subscriptions/s/resourceGroups/a%ZZ") == nil)
        #expect(ManagementRoutes.decodedPath("/subscriptions/s/resourceGroups/%E6%97") == nil, "half a character")
    }
}
