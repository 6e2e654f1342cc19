/**
 * The controller's API and feed types, re-exported from the one shared
 * types-only module (apps/controller/src/shared/api-types.ts). Type-only:
 * nothing of the controller ends up in the browser bundle.
 */
export type {
  AgentView,
  ApiErrorBody,
  AttemptOutcomeName,
  AttemptView,
  AuditEntry,
  CancelRunRequest,
  ClientToServerEvents,
  CreateRunRequest,
  DriveDelta,
  DriveDetail,
  DriveStateName,
  DriveStats,
  DriveView,
  FeedSnapshot,
  HistoryQuery,
  ImageView,
  ImportRequest,
  InsertDiscRequest,
  MasterRequest,
  MasterView,
  QuarantineRequest,
  RenameRequest,
  Role,
  RunStatusName,
  RunView,
  ScreenClaim,
  ServerToClientEvents,
  VerifyPolicyInput,
  WhoAmI,
} from '../../../controller/src/shared/api-types';
export type { StockLevelView } from '../../../controller/src/shared/stock-schemas';
export type { ImageBuildViewBody } from '../../../controller/src/shared/image-build-schemas';
export type { ProductionReportRowView, ProductionReportView, ReportGroupingName } from '../../../controller/src/shared/report-schemas';
export type { AlertDelivery, AlertsOverviewView, AlertViewType } from '../../../controller/src/shared/alert-schemas';
export type { TemplateRequest, TemplateRunRequest, TemplateView } from '../../../controller/src/shared/template-schemas';
export type { LabelPrint, LabelTemplateViewType } from '../../../controller/src/shared/label-schemas';
