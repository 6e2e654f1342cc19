/**
 * The image reader: the one place that reads images (ISO 9660 with Joliet,
 * Rock Ridge, El Torito and UDF; CUE sheets with their BIN files). The image
 * library and `Drive.burn`'s callers (`tower drive burn`, `probeImage`, the
 * cdrecord backend's checks) use it alike, so an image is accepted or
 * refused, with the same words, wherever it goes.
 */
export * from './image-read-error.js';
export * from './image-reader.js';
export * from './image-probe.js';
export type { IsoInfo } from './iso9660.js';
export { analyseIso, declaredIsoBytes, hasIsoSignature, hasUdfOnlySignature, ISO_SECTOR } from './iso9660.js';
export type { ElToritoInfo } from './iso-extensions.js';
export { UDF_ANCHOR_SECTOR } from './iso-extensions.js';
export type { CdTextField, CueFile, CueFileType, CueIndex, CueSheet, CueTrack } from './cue-sheet.js';
export { parseCueSheet } from './cue-sheet.js';
export { checkCueFileName, CUE_MODE_BYTES, decodeCueText, FRAMES_PER_SECOND, parseMsf, rewriteCueSheet } from './cue-text.js';
export type { CueFileSize, CueLayout, CueTrackInfo, TrackExtent } from './cue-layout.js';
export { layoutCue, trackExtent } from './cue-layout.js';
export type { UdfVolumeInfo } from './udf-volume.js';
export { analyseUdf } from './udf-volume.js';
export type { Compression, CompressionInfo, Decompression, StreamChecksum } from './compressed-image.js';
export { decompressImage, detectCompression } from './compressed-image.js';
export type { TocConversion, TocFile } from './toc-file.js';
export { checkTocFileName, convertTocFile, looksLikeToc, MAX_TOC_BYTES, parseTocFile, showTocFrames, TOC_MODES, tocHasCdTextBlocks } from './toc-file.js';
export type { TocContent, TocTrackContent } from './toc-content.js';
export { readTocContent } from './toc-content.js';
export type { TocDiscSpec, TocTrackSpec } from './toc-writer.js';
export { renameTocFiles, TOC_MODE_BYTES, tocMsf, writeTocFile } from './toc-writer.js';
export type { NrgImage, NrgTrack } from './nrg-image.js';
export { hasNrgFooter, nrgFooter, readNrg } from './nrg-image.js';
export type { CdTextBlock } from './cd-text-packs.js';
export { CD_TEXT_PACK, CD_TEXT_PACK_NO_CRC, cdTextCrc, decodeCdTextPacks } from './cd-text-packs.js';
export type { SubchannelScan } from './ccd-subchannel.js';
export { scanCloneCdSub, SUB_RECORD } from './ccd-subchannel.js';
export type { RwTrackSource } from './rw-subchannel.js';
export { checkRwTrack, interleaveRw, RW_RAW_FRAME, writeRwTrack } from './rw-subchannel.js';
export type { NrgMainChannel, NrgSubRange } from './nrg-subchannel.js';
export { checkNrgRwTrack, NRG_SUB_SECTOR, NRG_SUBCHANNEL_MODES, nrgMainChannelSha256, writeNrgMainChannel, writeNrgRwTrack } from './nrg-subchannel.js';
export type { CcdFile, RawMode1Check } from './ccd-image.js';
export { checkRawMode1, looksLikeCcd, parseCcd, RAW_SECTOR } from './ccd-image.js';
export type { MdsFile, MdsTrack } from './mds-image.js';
export { checkMdsFileName, isMds, MAX_MDS_BYTES, parseMds } from './mds-image.js';
export type { InterleavedRange } from './mds-subchannel.js';
export { checkInterleavedRw, deinterleavePw, MDS_PW_INTERLEAVED, MDS_SUB_FRAME, splitInterleaved } from './mds-subchannel.js';
export type { ChdContent, ChdHeader } from './chd-image.js';
export { chdContent, isChd, readChdHeader, verifyChd } from './chd-image.js';
export type { DmgImage, DmgPartition } from './dmg-image.js';
export { DMG_CHUNK_TYPES, DMG_SECTOR, hasDmgTrailer, isDmgTrailer, readDmg, runDmg2img, verifyDmgOutput } from './dmg-image.js';
export type { CdiImage, CdiTrack } from './cdi-image.js';
export { cdiFooter, cdiUserDataOffset, hasCdiFooter, readCdi } from './cdi-image.js';
export type { MergedFile, MergedIso, MergedIsoRequest, SourcedFile } from './merged-iso.js';
export { buildMergedIso, isSafeDiscPath } from './merged-iso.js';
export type { PlannedTrack } from './track-plan.js';
export { checkPlan, checkPlanLayout, planCueText } from './track-plan.js';
