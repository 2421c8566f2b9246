{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "fsmon.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name, with the chart name unless it already contains it. */}}
{{- define "fsmon.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "fsmon.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "fsmon.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fsmon.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "fsmon.labels" -}}
helm.sh/chart: {{ include "fsmon.chart" . }}
{{ include "fsmon.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: fsmon
{{- end }}

{{- define "fsmon.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fsmon.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "fsmon.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "fsmon.configMapName" -}}
{{- default (printf "%s-config" (include "fsmon.fullname" .)) .Values.existingConfigMap }}
{{- end }}

{{- define "fsmon.configKey" -}}
{{- if .Values.existingConfigMap }}{{ .Values.existingConfigMapKey }}{{ else }}fsmon.yaml{{ end }}
{{- end }}

{{/*
The config file: a map from values gets alerts.state_file on the writable
state volume unless it sets one; a string is used as it is.
*/}}
{{- define "fsmon.config" -}}
{{- if kindIs "string" .Values.config }}
{{- .Values.config }}
{{- else }}
{{- $cfg := deepCopy (default (dict) .Values.config) }}
{{- $alerts := default (dict) (get $cfg "alerts") }}
{{- if not (hasKey $alerts "state_file") }}
{{- $_ := set $alerts "state_file" (printf "%s/alerts.json" (trimSuffix "/" .Values.state.mountPath)) }}
{{- end }}
{{- $_ := set $cfg "alerts" $alerts }}
{{- toYaml $cfg }}
{{- end }}
{{- end }}

{{- define "fsmon.secretMountPath" -}}
{{- default (printf "/etc/fsmon/secrets/%s" .name) .mountPath }}
{{- end }}

{{/* The pod template, shared by the Deployment and the StatefulSet. */}}
{{- define "fsmon.podTemplate" -}}
metadata:
  labels:
    {{- include "fsmon.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    {{- if not .Values.existingConfigMap }}
    checksum/config: {{ include "fsmon.config" . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "fsmon.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  containers:
    - name: fsmon
      image: {{ include "fsmon.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - serve
        - --config=/etc/fsmon/config/{{ include "fsmon.configKey" . }}
        - --web.listen-address=:{{ .Values.service.port }}
        - --log.level={{ .Values.log.level }}
        - --log.format={{ .Values.log.format }}
        {{- if .Values.webConfig.existingSecret }}
        - --web.config.file=/etc/fsmon/web/{{ .Values.webConfig.key }}
        {{- end }}
        {{- if eq .Values.mode "statefulset" }}
        - --shard=$(FSMON_SHARD_INDEX)/{{ .Values.replicas }}
        {{- end }}
        {{- range .Values.extraArgs }}
        - {{ . | quote }}
        {{- end }}
      {{- if or .Values.env (eq .Values.mode "statefulset") }}
      env:
        {{- if eq .Values.mode "statefulset" }}
        - name: FSMON_SHARD_INDEX
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
        {{- end }}
        {{- with .Values.env }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      {{- with .Values.envFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - name: http-metrics
          containerPort: {{ .Values.service.port }}
          protocol: TCP
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /etc/fsmon/config
          readOnly: true
        - name: state
          mountPath: {{ .Values.state.mountPath }}
        {{- range .Values.secrets }}
        - name: secret-{{ .name }}
          mountPath: {{ include "fsmon.secretMountPath" . }}
          readOnly: true
        {{- end }}
        {{- if .Values.webConfig.existingSecret }}
        - name: web-config
          mountPath: /etc/fsmon/web
          readOnly: true
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "fsmon.configMapName" . }}
    {{- if not (and .Values.state.persistence.enabled (eq .Values.mode "statefulset")) }}
    - name: state
      {{- if .Values.state.persistence.enabled }}
      persistentVolumeClaim:
        claimName: {{ default (printf "%s-state" (include "fsmon.fullname" .)) .Values.state.persistence.existingClaim }}
      {{- else }}
      emptyDir:
        {{- toYaml (default (dict) .Values.state.emptyDir) | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- range .Values.secrets }}
    - name: secret-{{ .name }}
      secret:
        secretName: {{ .name }}
        defaultMode: 0440
        {{- with .items }}
        items:
          {{- toYaml . | nindent 10 }}
        {{- end }}
    {{- end }}
    {{- if .Values.webConfig.existingSecret }}
    - name: web-config
      secret:
        secretName: {{ .Values.webConfig.existingSecret }}
        defaultMode: 0440
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
