/**
 * API types, taken from the worker's zod schemas (type-only: nothing of zod or the
 * worker reaches the bundle). Add a line here when a domain publishes a schema.
 */
import type { z } from "zod";
import type { AuditEntrySchema } from "../../worker/audit/schemas";
import type { MeSchema } from "../../worker/auth/schemas";
import type { ErrorSchema } from "../../worker/lib/schemas";

export type Me = z.infer<typeof MeSchema>;
export type Role = Me["roles"][number];
export type Settings = import("../../worker/system/schemas").Settings;
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export type ApiErrorBody = z.infer<typeof ErrorSchema>;

import type * as Dir from "../../worker/directory/schemas";
import type * as Imp from "../../worker/import/schemas";
import type * as Rc from "../../worker/rollcall/schemas";
import type * as Tpl from "../../worker/templates/schemas";
import type * as Del from "../../worker/delivery/schemas";

export type FacilityType = Dir.FacilityType;
export type Facility = Dir.Facility;
export type FacilityList = z.infer<typeof Dir.FacilityListSchema>;
export type Person = Dir.Person;
export type PersonList = z.infer<typeof Dir.PersonListSchema>;
export type Group = Dir.Group;
export type GroupList = z.infer<typeof Dir.GroupListSchema>;
export type GroupMemberList = z.infer<typeof Dir.GroupMemberListSchema>;
export type PersonCreate = z.input<typeof Dir.PersonCreateSchema>;
export type PersonUpdate = z.input<typeof Dir.PersonUpdateSchema>;
export type FacilityCreate = z.input<typeof Dir.FacilityCreateSchema>;
export type FacilityUpdate = z.input<typeof Dir.FacilityUpdateSchema>;
export type Membership = Dir.Membership;
export type MembershipRole = Dir.MembershipRole;

import type * as Inv from "../../worker/invitations/schemas";
export type Invitation = Inv.Invitation;
export type InvitationCreate = z.input<typeof Inv.InvitationCreateSchema>;
export type InvitationCreated = z.infer<typeof Inv.InvitationCreatedSchema>;
export type InvitationList = z.infer<typeof Inv.InvitationListSchema>;

export type ImportReport = Imp.ImportReport;
export type ImportRow = Imp.ImportRow;
export type ImportRejected = z.infer<typeof Imp.ImportRejectedSchema>;

export type Scope = Rc.Scope;
export type CreateRollcall = z.input<typeof Rc.CreateRollcallSchema>;
export type Rollcall = z.infer<typeof Rc.RollcallSchema>;
export type RollcallPreview = Rc.Preview;
export type PreviewMessage = z.infer<typeof Rc.PreviewMessageSchema>;
export type Draft = z.infer<typeof Rc.DraftSchema>;
export type RollcallListItem = z.infer<typeof Rc.ListItemSchema>;
export type RollcallList = { items: RollcallListItem[]; nextBefore: number | null };
export type Aggregates = Rc.Aggregates;
export type RollcallDetail = z.infer<typeof Rc.DetailSchema>;
export type Answers = Rc.Answers;

export type Template = Tpl.Template;

export type OutboxItem = Del.OutboxItemDto;
export type Outbox = z.infer<typeof Del.OutboxSchema>;

import type * as Trg from "../../worker/triggers/schemas";

export type TriggerRules = Trg.TriggerRules;
export type JmaPlaces = z.infer<typeof Trg.JmaPlacesSchema>;
export type TriggerReport = Trg.TriggerReport;
export type ReportList = z.infer<typeof Trg.ReportListSchema>;
export type ApiKey = Trg.ApiKey;
export type ApiKeyCreated = z.infer<typeof Trg.ApiKeyCreatedSchema>;
export type TriggerOutcome = Trg.TriggerOutcome;

import type * as Live from "../../worker/board/messages";
import type * as Brd from "../../worker/board/schemas";

export type BoardData = Live.Board;
export type BoardServerMessage = Live.ServerMessage;
export type PhoneCheck = Live.PhoneCheck;
export type FacilityPage = z.infer<typeof Live.FacilityPageSchema>;
export type NonResponderPage = z.infer<typeof Live.NonResponderPageSchema>;
export type PhoneCheckPage = z.infer<typeof Live.PhoneCheckPageSchema>;
export type Timeline = Live.Timeline;
export type FacilityDetail = Brd.FacilityDetail;
export type PersonDetail = Brd.PersonDetail;
export type ResendInput = z.input<typeof Brd.ResendSchema>;
export type ResendResult = z.infer<typeof Brd.ResendResultSchema>;
export type SmsReplyResult = z.infer<typeof Del.SmsReplyResultSchema>;

import type * as Msg from "../../worker/messages/schemas";
export type DirectMessage = z.infer<typeof Msg.DirectMessageSchema>;
export type DirectMessageList = z.infer<typeof Msg.DirectMessageListSchema>;

import type * as Push from "../../worker/push/schemas";
export type Device = Push.Device;
export type DeviceList = z.infer<typeof Push.DeviceListSchema>;
export type DeviceTest = z.infer<typeof Push.DeviceTestSchema>;
export type VapidKey = z.infer<typeof Push.VapidKeySchema>;

import type * as Prof from "../../worker/profile/schemas";
export type MyProfile = Prof.MyProfile;
export type MyProfileUpdate = Prof.MyProfileUpdate;
export type Channel = z.infer<typeof Prof.ChannelSchema>;
export type PhotoResult = z.infer<typeof Prof.PhotoResultSchema>;
export type PersonLang = Dir.PersonLang;

import type * as Rdy from "../../worker/readiness/schemas";
export type ReadinessData = Rdy.Readiness;
export type ReadinessTestResult = z.infer<typeof Rdy.SendTestResultSchema>;

import type * as Rep from "../../worker/reports/schemas";
export type StaffReport = Rep.Report;
export type StaffReportList = z.infer<typeof Rep.ReportListSchema>;
