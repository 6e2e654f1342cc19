/**
 * What the `tower` CLI asks of the controller: one method per API route it
 * uses, typed by the API's types (shared/api-types.ts). `HttpApiClient`
 * (http-api-client.ts) is the real one; the CLI tests use a fake. A failed
 * call rejects with an `ApiCallError` (api-call-error.ts).
 */
import type {
  AttemptView,
  CancelRunRequest,
  CreateRunRequest,
  DriveDetail,
  DriveStats,
  DriveView,
  HistoryQuery,
  ImageView,
  ImportRequest,
  InsertDiscRequest,
  MasterRequest,
  MasterView,
  RunView,
  ScreenPairing,
  ScreenView,
  WhoAmI,
} from '../shared/api-types.js';
import type { TemplateRequest, TemplateRunRequest, TemplateView } from '../shared/template-schemas.js';
import type { StockLevelView } from '../shared/stock-schemas.js';
import type { ProductionReportQueryInput, ProductionReportView } from '../shared/report-schemas.js';
import type { AlertDelivery, AlertsOverviewView } from '../shared/alert-schemas.js';

/** A long poll of one run: the controller holds its answer until the run is final or `timeoutMs` passes. */
export interface RunWait {
  readonly timeoutMs: number;
}

/** A file body to upload: any async source of bytes, and its length when known. */
export interface UploadBody {
  readonly data: AsyncIterable<Uint8Array>;
  readonly sizeBytes?: number;
  readonly name?: string;
}

/** History filters as the CLI passes them. */
export type HistoryFilter = Omit<HistoryQuery, 'format'>;

/** Everything the CLI asks of the controller. One method per API route it uses. */
export interface ApiClient {
  whoami(): Promise<WhoAmI>;
  listDrives(): Promise<DriveView[]>;
  getDrive(id: string): Promise<DriveDetail>;
  ejectDrive(id: string): Promise<DriveView>;
  quarantineDrive(id: string, reason: string): Promise<DriveView>;
  releaseDrive(id: string): Promise<DriveView>;
  /** A person put `count` blanks into a simulated drive's auto-loader. */
  loadBlanks(id: string, count: number): Promise<DriveView>;
  /** A person took the coasters out of a simulated drive's reject bin. */
  emptyRejects(id: string): Promise<DriveView>;
  /** Put a disc into a simulated drive: a blank of a media type, or a pressed disc of a library ISO image. */
  insertDisc(id: string, disc: InsertDiscRequest): Promise<DriveView>;
  listImages(): Promise<ImageView[]>;
  getImage(id: string): Promise<ImageView>;
  importImage(request: ImportRequest): Promise<ImageView>;
  uploadImage(body: UploadBody): Promise<ImageView>;
  renameImage(id: string, name: string): Promise<ImageView>;
  deleteImage(id: string): Promise<void>;
  /** Scan an image for malware now; the image with its new scan. */
  scanImage(id: string): Promise<ImageView>;
  /** Store an image compressed, or plain again; the image as it is then stored. */
  /** Compress (`as`: zstd, the default, for an ISO; chd for a CUE image) or decompress an image's stored form. */
  changeImageStorage(id: string, action: 'compress' | 'decompress', as?: 'zstd' | 'chd'): Promise<ImageView>;
  createMaster(request: MasterRequest): Promise<MasterView>;
  getMaster(id: string): Promise<MasterView>;
  listRuns(): Promise<RunView[]>;
  /** One run; with `wait`, as soon as it is completed, cancelled or failed, or after `wait.timeoutMs` as it is then. */
  getRun(id: string, wait?: RunWait): Promise<RunView>;
  createRun(request: CreateRunRequest): Promise<RunView>;
  pauseRun(id: string): Promise<RunView>;
  resumeRun(id: string): Promise<RunView>;
  cancelRun(id: string, request?: CancelRunRequest): Promise<RunView>;
  /** A new run with a finished run's settings. */
  runAgain(id: string): Promise<RunView>;
  listTemplates(): Promise<TemplateView[]>;
  getTemplate(name: string): Promise<TemplateView>;
  /** Save (create or replace) a run template. */
  saveTemplate(name: string, request: TemplateRequest): Promise<TemplateView>;
  deleteTemplate(name: string): Promise<void>;
  /** Start a run of a template, with overrides of its settings. */
  runTemplate(name: string, overrides: TemplateRunRequest): Promise<RunView>;
  history(filter: HistoryFilter): Promise<AttemptView[]>;
  /** The history as the API's CSV text, unchanged. */
  historyCsv(filter: HistoryFilter): Promise<string>;
  /** The production report (`format` left to the method: JSON here, the API's CSV text from `productionReportCsv`). */
  productionReport(query: Omit<ProductionReportQueryInput, 'format'>): Promise<ProductionReportView>;
  productionReportCsv(query: Omit<ProductionReportQueryInput, 'format'>): Promise<string>;
  /** A run's certificate: the PDF's bytes. */
  runCertificate(id: string): Promise<Uint8Array>;
  driveStats(): Promise<DriveStats[]>;
  listScreens(): Promise<ScreenView[]>;
  pairScreen(name: string): Promise<ScreenPairing>;
  revokeScreen(id: string): Promise<void>;
  /** The blank stock per media type. */
  stock(): Promise<StockLevelView[]>;
  /** Blanks received, a hand adjustment or a low-stock level: `POST /api/stock/<action>` with its body. */
  changeStock(action: 'received' | 'adjust' | 'threshold', body: Record<string, unknown>): Promise<StockLevelView>;
  alerts(): Promise<AlertsOverviewView>;
  alertDeliveries(limit?: number): Promise<AlertDelivery[]>;
}
