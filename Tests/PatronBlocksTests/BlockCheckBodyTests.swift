import Foundation
import NIOCore
import Testing
@testable import PatronBlocks

/// The block check's answer, written without a general serializer, is the JSON it was: what a
/// JSON parser reads back equals the blocks, whatever the message holds.
@Suite struct BlockCheckBodyTests {
    @Test func noBlocksIsTheEmptyList() throws {
        #expect(String(buffer: BlockCheckBody.json([])) == #"{"automatedPatronBlocks":[]}"#)
    }

    @Test(arguments: ["Too many items out", #"Say "hi" \ back/slash"#, "Línea\nnueva\tcon\u{1}control", "借りすぎです 📚", ""])
    func blocksReadBackAsTheyWere(message: String) throws {
        let blocks = [
            AutomatedBlock(patronBlockConditionId: UUID(uuidString: "3d7c52dc-c732-4223-8bf8-e5917801386f")!, blockBorrowing: true, blockRenewals: false,
                           blockRequests: true, message: message),
            AutomatedBlock(patronBlockConditionId: UUID(uuidString: "584fbd4f-6a34-4730-a6ca-73a6a6a9d845")!, blockBorrowing: false, blockRenewals: true,
                           blockRequests: false, message: "Second"),
        ]
        let buffer = BlockCheckBody.json(blocks)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
        let read = try #require(object["automatedPatronBlocks"] as? [[String: Any]])
        #expect(read.count == 2)
        for (block, json) in zip(blocks, read) {
            #expect(json["patronBlockConditionId"] as? String == block.patronBlockConditionId.folio)
            #expect(json["blockBorrowing"] as? Bool == block.blockBorrowing)
            #expect(json["blockRenewals"] as? Bool == block.blockRenewals)
            #expect(json["blockRequests"] as? Bool == block.blockRequests)
            #expect(json["message"] as? String == block.message)
            #expect(Set(json.keys) == ["patronBlockConditionId", "blockBorrowing", "blockRenewals", "blockRequests", "message"])
        }
        // Keys sorted, as every other answer writes them.
        #expect(String(buffer: buffer).hasPrefix(#"{"automatedPatronBlocks":[{"blockBorrowing":true,"blockRenewals":false,"blockRequests":true,"message":"#))
    }
}
