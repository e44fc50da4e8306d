{{/* Names and labels shared by every object of the release. */}}
{{- define "mend.fullname" -}}
{{- if contains "mend" .Release.Name -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- else -}}{{ printf "%s-mend" .Release.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "mend.labels" -}}
app.kubernetes.io/name: mend
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "mend.selector" -}}
app.kubernetes.io/name: mend
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "mend.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (printf "%s-worker" (include "mend.fullname" .)) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{/* Cluster-scoped objects: named with the namespace, so two releases (or deploy/kubernetes/rbac.yaml) never collide. */}}
{{- define "mend.clusterName" -}}
{{ printf "%s-%s-worker" (include "mend.fullname" .) .Release.Namespace | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "mend.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{/* The env every mend pod gets: Temporal, the config file, plain env, and secrets by reference. */}}
{{- define "mend.env" -}}
- name: MEND_CONFIG
  value: /etc/mend/mend.yaml
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: MEND_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
- name: MEND_METRICS_HOST
  value: 0.0.0.0
- name: MEND_GATEWAY_HOST
  value: 0.0.0.0
{{- with .Values.env }}
{{ toYaml . }}
{{- end }}
{{- range .Values.secretEnv }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef: { name: {{ .secret | quote }}, key: {{ .key | quote }} }
{{- end }}
{{- end -}}

{{/* A pod template's annotations: a config change rolls the pods. */}}
{{- define "mend.podAnnotations" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- end -}}

{{/* nodeSelector, tolerations and affinity of one component's values, those that are set. */}}
{{- define "mend.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity: {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
